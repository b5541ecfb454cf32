/*
 * pool.c: the connections the lab plays at once, a slot and a thread for
 * each. A thread per connection, not one poll loop: play.c plays a
 * scenario as straight-line code (delays, dribbled bytes, a TLS handshake,
 * a message body) with a deadline on every wait, and a thread keeps it so,
 * where a poll loop would turn every action into a resumable state. The
 * slots bound the threads, so memory is at most n times one connection
 * (its struct conn, its TLS object, a LAB_STACK stack). Only the server's
 * thread starts and joins threads; a slot's state is under the lock.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "lab_int.h"

#define LAB_STACK (512 * 1024) /* bytes of stack per connection's thread */

enum lab_slot_state { LAB_SLOT_FREE, LAB_SLOT_RUNNING, LAB_SLOT_DONE };

struct lab_slot {
	enum lab_slot_state state; /* under pool->lock */
	pthread_t thread;
	struct lab_session session; /* the slot's own copy */
	struct lab_pool *pool;
};

struct lab_pool {
	pthread_mutex_t lock;
	pthread_attr_t attr; /* joinable, LAB_STACK */
	size_t n;
	struct lab_slot *slot; /* n of them */
};

struct lab_pool *lab_pool_new(size_t n)
{
	struct lab_pool *pool = calloc(1, sizeof *pool);
	size_t i;

	if (pool == NULL)
		return NULL;
	pool->slot = calloc(n, sizeof *pool->slot);
	if (pool->slot == NULL || pthread_mutex_init(&pool->lock, NULL) != 0) {
		free(pool->slot);
		free(pool);
		return NULL;
	}
	if (pthread_attr_init(&pool->attr) != 0) {
		pthread_mutex_destroy(&pool->lock);
		free(pool->slot);
		free(pool);
		return NULL;
	}
	pthread_attr_setstacksize(&pool->attr, LAB_STACK);
	pool->n = n;
	for (i = 0; i < n; i++)
		pool->slot[i].pool = pool;
	return pool;
}

/* A connection's thread: plays the session, then marks its slot done. */
static void *lab_pool_main(void *arg)
{
	struct lab_slot *slot = arg;

	lab_session_serve(&slot->session);
	pthread_mutex_lock(&slot->pool->lock);
	slot->state = LAB_SLOT_DONE;
	pthread_mutex_unlock(&slot->pool->lock);
	return NULL;
}

/* Takes a free slot; NULL when all are taken. */
static struct lab_slot *lab_pool_take(struct lab_pool *pool)
{
	struct lab_slot *slot = NULL;
	size_t i;

	pthread_mutex_lock(&pool->lock);
	for (i = 0; i < pool->n && slot == NULL; i++)
		if (pool->slot[i].state == LAB_SLOT_FREE)
			slot = &pool->slot[i];
	if (slot != NULL)
		slot->state = LAB_SLOT_RUNNING;
	pthread_mutex_unlock(&pool->lock);
	return slot;
}

/*
 * The thread starts with every signal blocked, so SIGINT, SIGTERM and
 * SIGHUP go to the server's thread, whose poll they interrupt.
 */
bool lab_pool_start(struct lab_pool *pool, const struct lab_session *session)
{
	struct lab_slot *slot = lab_pool_take(pool);
	sigset_t all, old;
	int rc;

	if (slot == NULL)
		return false;
	slot->session = *session;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&slot->thread, &pool->attr, lab_pool_main, slot);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return true;
	pthread_mutex_lock(&pool->lock);
	slot->state = LAB_SLOT_FREE;
	pthread_mutex_unlock(&pool->lock);
	return false;
}

/* A done thread holds no lock and touches no slot any more: joining it is quick. */
void lab_pool_reap(struct lab_pool *pool)
{
	size_t i;

	pthread_mutex_lock(&pool->lock);
	for (i = 0; i < pool->n; i++) {
		if (pool->slot[i].state != LAB_SLOT_DONE)
			continue;
		pthread_join(pool->slot[i].thread, NULL);
		pool->slot[i].state = LAB_SLOT_FREE;
	}
	pthread_mutex_unlock(&pool->lock);
}

/* Joins without the lock: a running thread takes it to mark its slot done. */
void lab_pool_join(struct lab_pool *pool)
{
	enum lab_slot_state state;
	size_t i;

	for (i = 0; i < pool->n; i++) {
		pthread_mutex_lock(&pool->lock);
		state = pool->slot[i].state;
		pthread_mutex_unlock(&pool->lock);
		if (state == LAB_SLOT_FREE)
			continue;
		pthread_join(pool->slot[i].thread, NULL);
		pthread_mutex_lock(&pool->lock);
		pool->slot[i].state = LAB_SLOT_FREE;
		pthread_mutex_unlock(&pool->lock);
	}
}

/* The pool must have been joined. */
void lab_pool_free(struct lab_pool *pool)
{
	if (pool == NULL)
		return;
	pthread_attr_destroy(&pool->attr);
	pthread_mutex_destroy(&pool->lock);
	free(pool->slot);
	free(pool);
}
