/*
 * keymap.c: the one table of the inspector's keys in normal mode. The key
 * handling of ui.c, the help overlay, the key table of docs/ui.md (a unit
 * test compares them) and the list of --plain's answers all come from it.
 * A new key is one entry here and one handler in ui.c.
 */
#include <stdio.h>
#include <string.h>

#include "ui_int.h"

#define KC(kc) ((kc) | UI_KEYCODE)

/* Checked in order: an entry for one pane goes before one for any pane. */
const struct ui_keymap ui_keymap[] = {
    {{' '},
     UI_ACT_SEND,
     UI_NPANES,
     "Enter",
     "send the planned command (replay: show the next line)"},
    {{'e'}, UI_ACT_EDIT, UI_NPANES, "e", "edit the planned command; Enter sends it"},
    {{':'}, UI_ACT_COMMAND, UI_NPANES, ":COMMAND", "type a free command; Enter sends it"},
    {{'s'}, UI_ACT_SKIP, UI_NPANES, "s", "skip the planned command"},
    {{'r'}, UI_ACT_RUN, UI_NPANES, "r", "run to the end without stopping"},
    {{KC(KEY_UP), 'k'}, UI_ACT_UP, UI_NPANES, NULL, "the line above, or scroll the focused pane"},
    {{KC(KEY_DOWN), 'j'},
     UI_ACT_DOWN,
     UI_NPANES,
     NULL,
     "the line below, or scroll the focused pane"},
    {{KC(KEY_PPAGE), 2}, UI_ACT_PAGE_UP, UI_NPANES, NULL, "a page up"},
    {{KC(KEY_NPAGE), 6}, UI_ACT_PAGE_DOWN, UI_NPANES, NULL, "a page down"},
    {{KC(KEY_HOME), 'g', '<'},
     UI_ACT_TOP,
     UI_NPANES,
     NULL,
     "the first line, or the top of the pane"},
    {{KC(KEY_END), 'G', '>'},
     UI_ACT_BOTTOM,
     UI_NPANES,
     NULL,
     "the last line: new lines are followed again"},
    {{'/'}, UI_ACT_SEARCH, UI_NPANES, NULL, "search the conversation (as shown, any case)"},
    {{'n'}, UI_ACT_NEXT_MATCH, UI_NPANES, NULL, "the next match of the search"},
    {{'N'}, UI_ACT_PREV_MATCH, UI_NPANES, NULL, "the previous match of the search"},
    {{'&'}, UI_ACT_FILTER, UI_NPANES, NULL, "show a role, finding, server or client only"},
    {{'\t'},
     UI_ACT_FOCUS_NEXT,
     UI_NPANES,
     NULL,
     "focus the next pane: conversation, grammar, findings"},
    {{KC(KEY_BTAB)}, UI_ACT_FOCUS_PREV, UI_NPANES, NULL, "focus the previous pane"},
    {{'\r', '\n', KC(KEY_ENTER)},
     UI_ACT_ENTER,
     UI_PANE_MATRIX,
     NULL,
     "on a finding: select its line"},
    {{KC(KEY_MOUSE)},
     UI_ACT_MOUSE,
     UI_NPANES,
     NULL,
     "wheel scrolls the pane under it, click selects"},
    {{'i'},
     UI_ACT_EXPLAIN,
     UI_NPANES,
     NULL,
     "explain the selected finding (elsewhere: the line's first) in a pager"},
    {{'t'},
     UI_ACT_DELTA,
     UI_NPANES,
     NULL,
     "show or hide, on each row, the time since the line before (+0.212s); on in a replay"},
    {{'o'}, UI_ACT_GRAMMAR, UI_NPANES, NULL, "the grammar of RFC 5321 or of the old RFC 1869"},
    {{'L'},
     UI_ACT_LEGEND,
     UI_NPANES,
     NULL,
     "show or hide the legend of colours at the top of the grammar panel"},
    {{'c'}, UI_ACT_MATRIX, UI_NPANES, NULL, "show or hide the client matrix"},
    {{'x'},
     UI_ACT_RAW,
     UI_NPANES,
     NULL,
     "the selected line's bytes in hex, its line end shown; q, Escape or x closes"},
    {{'C'},
     UI_ACT_CERT,
     UI_NPANES,
     NULL,
     "the certificate chain and the TLS facts; q, Escape or C closes"},
    {{'D'},
     UI_ACT_COMPARE,
     UI_NPANES,
     NULL,
     "the EHLO reply before TLS against the one inside TLS, keyword by keyword; q, Escape or "
     "D closes"},
    {{'w'}, UI_ACT_WRITE, UI_NPANES, "w", "write the transcript"},
    {{'R'},
     UI_ACT_RECONNECT,
     UI_NPANES,
     NULL,
     "once the session is closed: a new one to the same target, with the same edits"},
    {{12}, UI_ACT_REDRAW, UI_NPANES, NULL, "redraw the screen"},
    {{'?'}, UI_ACT_HELP, UI_NPANES, "?", "this list of keys"},
    {{'q'},
     UI_ACT_QUIT,
     UI_NPANES,
     "q",
     "quit (the full screen asks first while the session is open)"},
    {{27}, UI_ACT_NONE, UI_NPANES, NULL, NULL},
};

const size_t ui_keymap_count = sizeof ui_keymap / sizeof ui_keymap[0];

const struct ui_keymap *ui_keymap_find(int key, bool keycode, enum ui_pane_id focus)
{
	int want = keycode ? key | UI_KEYCODE : key;
	const struct ui_keymap *e;
	size_t i, j;

	for (i = 0; i < ui_keymap_count; i++) {
		e = &ui_keymap[i];
		if (e->pane != UI_NPANES && e->pane != focus)
			continue;
		for (j = 0; j < UI_KEYMAP_KEYS && e->keys[j] != 0; j++)
			if (e->keys[j] == want)
				return e;
	}
	return NULL;
}

static const struct {
	int key;
	const char *name;
} code_names[] = {
    {KEY_UP, "Up"},          {KEY_DOWN, "Down"},   {KEY_PPAGE, "PgUp"},
    {KEY_NPAGE, "PgDn"},     {KEY_HOME, "Home"},   {KEY_END, "End"},
    {KEY_BTAB, "Shift-Tab"}, {KEY_ENTER, "Enter"}, {KEY_MOUSE, "mouse"},
};

/* The name of one key; doc puts characters in backquotes, as Markdown code. */
static void keymap_name(int key, bool doc, char *buf, size_t len)
{
	size_t i;

	if (key & UI_KEYCODE) {
		for (i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
			if ((code_names[i].key | UI_KEYCODE) == key)
				snprintf(buf, len, "%s", code_names[i].name);
		return;
	}
	if (key == ' ' || key == '\t' || key == '\r' || key == '\n')
		snprintf(buf, len, "%s", key == ' ' ? "Space" : key == '\t' ? "Tab" : "Enter");
	else if (key < 32)
		snprintf(buf, len, doc ? "`^%c`" : "^%c", key + '@');
	else
		snprintf(buf, len, doc ? "`%c`" : "%c", key);
}

void ui_keymap_keys(const struct ui_keymap *e, bool doc, char *buf, size_t len)
{
	char name[32], last[32] = "";
	size_t used = 0, j;

	buf[0] = '\0';
	for (j = 0; j < UI_KEYMAP_KEYS && e->keys[j] != 0; j++) {
		name[0] = '\0';
		keymap_name(e->keys[j], doc, name, sizeof name);
		/* Enter is three keys to curses and one to the user. */
		if (strcmp(name, last) == 0 || used >= len)
			continue;
		used +=
		    (size_t)snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", name);
		snprintf(last, sizeof last, "%s", name);
	}
}

size_t ui_plain_help(char *buf, size_t len)
{
	size_t used = 0, i;
	int n;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < ui_keymap_count; i++) {
		if (ui_keymap[i].plain == NULL || used >= len)
			continue;
		n = snprintf(buf + used, len - used, "  %-9s %s\n", ui_keymap[i].plain,
		             ui_keymap[i].help);
		used += n > 0 ? (size_t)n : 0;
	}
	return used;
}

size_t ui_keymap_doc(char *buf, size_t len)
{
	char keys[96];
	size_t used = 0, i;
	int n;

	n = snprintf(buf, len, "| key | action |\n|-----|--------|\n");
	used = n > 0 ? (size_t)n : 0;
	for (i = 0; i < ui_keymap_count && used < len; i++) {
		if (ui_keymap[i].help == NULL)
			continue;
		ui_keymap_keys(&ui_keymap[i], true, keys, sizeof keys);
		n = snprintf(buf + used, len - used, "| %s | %s |\n", keys, ui_keymap[i].help);
		used += n > 0 ? (size_t)n : 0;
	}
	return used;
}
