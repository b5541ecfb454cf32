/*
 * proto.h: the protocol engine of smtpscope, all its headers at once.
 *
 * Everything here is pure: bytes go in, lines, replies, roles and findings
 * come out. Nothing in this module touches a socket, a file, the terminal or
 * a global variable, so any number of readers and analysers can live in one
 * process. Tables are constant data.
 *
 * Each sub-API has its own header; include the ones a file uses. This
 * umbrella is for a reader who wants the whole engine in one place.
 */
#ifndef SMTPSCOPE_PROTO_H
#define SMTPSCOPE_PROTO_H

#include "proto/auth.h"
#include "proto/clients.h"
#include "proto/ehlo.h"
#include "proto/escape.h"
#include "proto/findings.h"
#include "proto/lint.h"
#include "proto/reader.h"
#include "proto/reply.h"
#include "proto/session.h"
#include "proto/source.h"

#endif
