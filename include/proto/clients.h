/*
 * clients.h: the client profiles, how real SMTP clients read an EHLO reply.
 * Part of the protocol engine (see proto.h): pure, libc only.
 */
#ifndef SMTPSCOPE_PROTO_CLIENTS_H
#define SMTPSCOPE_PROTO_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/reply.h"

/*
 * Client profiles: how real SMTP clients read an EHLO reply, each resting on
 * its source. The table is constant; the struct is private to clients.c.
 */
struct proto_client;

size_t proto_client_count(void);
const struct proto_client *proto_client_at(size_t i);
const struct proto_client *proto_client_find(const char *id);
const char *proto_client_id(const struct proto_client *client);
const char *proto_client_name(const struct proto_client *client);
/* One line: which lines it reads and how it matches the keyword. */
const char *proto_client_rule(const struct proto_client *client);
/* The source it rests on: file and function, or a vendor document. */
const char *proto_client_basis(const struct proto_client *client);
/* True when the client sends STARTTLS whatever the EHLO reply says (s-nail, s_client). */
#define PROTO_CLIENT_BLINDLY "sends STARTTLS without looking" /* what the matrix says of it */
bool proto_client_regardless(const struct proto_client *client);
/* True when the client takes line 1 as the greeting and skips it. */
bool proto_client_skips_first_line(const struct proto_client *client);
/* Index of the line where the client finds STARTTLS, or -1. */
int proto_client_starttls_line(const struct proto_client *client, const struct proto_reply *ehlo);

#endif
