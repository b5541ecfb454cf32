/*
 * tls_text.c: the TLS facts of a live session as text: version, cipher and
 * group, the verification, and the chain the server sent. "check" prints
 * it in its report and the inspector shows it in its certificate view (C),
 * so the two never differ.
 */
#include <stdio.h>
#include <string.h>

#include "live.h"

/* One certificate of the chain, as text; every field came from the peer. */
static void human_cert(struct cli_out *out, size_t i, const struct tls_cert_facts *f)
{
	char num[64];

	snprintf(num, sizeof num, "  %zu subject  ", i);
	cli_out_str(out, num);
	cli_out_term(out, f->subject, strlen(f->subject));
	cli_out_str(out, "\n    issuer   ");
	cli_out_term(out, f->issuer, strlen(f->issuer));
	cli_out_str(out, "\n    names    ");
	cli_out_term(out, f->sans, strlen(f->sans));
	cli_out_str(out, "\n    valid    ");
	cli_out_term(out, f->not_before, strlen(f->not_before));
	cli_out_str(out, " to ");
	cli_out_term(out, f->not_after, strlen(f->not_after));
	snprintf(num, sizeof num, "\n    key      %.16s %d", f->key_type, f->key_bits);
	cli_out_str(out, num);
	cli_out_str(out, " bits, signed with ");
	cli_out_term(out, f->sig_alg, strlen(f->sig_alg));
	cli_out_str(out, "\n    sha256   ");
	cli_out_term(out, f->sha256, strlen(f->sha256));
	cli_out_str(out, "\n");
}

void live_tls_text(struct cli_out *out, const struct live *live)
{
	const struct tls_facts *f = &live->facts;
	size_t i;

	cli_out_str(out, "\nTLS: ");
	if (!live->tls_tried) {
		cli_out_str(out, "not started\n");
		return;
	}
	if (!f->established) {
		cli_out_str(out, "the handshake failed\n");
		return;
	}
	cli_out_str(out, f->version);
	cli_out_str(out, " ");
	cli_out_str(out, f->cipher);
	cli_out_str(out, f->group[0] ? " " : "");
	cli_out_str(out, f->group);
	cli_out_sgr(out, f->verified ? "32" : "1;33");
	cli_out_str(out, f->verified ? "\n  certificate verified for "
	                             : "\n  certificate NOT verified: ");
	cli_out_term(out, f->verified ? live->host : f->verify_error,
	             strlen(f->verified ? live->host : f->verify_error));
	cli_out_sgr(out, NULL);
	cli_out_str(out, "\n");
	for (i = 0; i < f->nchain; i++)
		human_cert(out, i, &f->chain[i]);
	if (f->chain_total > f->nchain) {
		char more[96];

		snprintf(more, sizeof more, "  ... %zu more certificate%s not shown\n",
		         f->chain_total - f->nchain, f->chain_total - f->nchain == 1 ? "" : "s");
		cli_out_str(out, more);
	}
}
