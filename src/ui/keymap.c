/*
 * keymap.c: the one table of the inspector's keys in normal mode. The key
 * handling of ui.c, the help overlay, the key table of docs/ui.md (a unit
 * test compares them) and the list of --plain's answers all come from it.
 * A new key is one entry here and one handler in ui.c.
 */
#include <stdio.h>
#include <string.h>

#include "ui_int.h"

#define K(ch)                                                                                      \
	{                                                                                          \
		(ch), false                                                                        \
	}
#define KC(kc)                                                                                     \
	{                                                                                          \
		(kc), true                                                                         \
	}

/* Checked in order: an entry for one pane goes before one for any pane. */
const struct ui_keymap ui_keymap[] = {
    {{K(' ')},
     UI_ACT_SEND,
     UI_NPANES,
     "Enter",
     "send the planned command (replay: show the next line)"},
    {{K('e')}, UI_ACT_EDIT, UI_NPANES, "e", "edit the planned command; Enter sends it"},
    {{K(':')}, UI_ACT_COMMAND, UI_NPANES, ":COMMAND", "type a free command; Enter sends it"},
    {{K('s')}, UI_ACT_SKIP, UI_NPANES, "s", "skip the planned command"},
    {{K('r')}, UI_ACT_RUN, UI_NPANES, "r", "run to the end without stopping"},
    {{KC(KEY_UP), K('k')},
     UI_ACT_UP,
     UI_NPANES,
     NULL,
     "the line above, or scroll the focused pane"},
    {{KC(KEY_DOWN), K('j')},
     UI_ACT_DOWN,
     UI_NPANES,
     NULL,
     "the line below, or scroll the focused pane"},
    {{KC(KEY_PPAGE), K(2)}, UI_ACT_PAGE_UP, UI_NPANES, NULL, "a page up"},
    {{KC(KEY_NPAGE), K(6)}, UI_ACT_PAGE_DOWN, UI_NPANES, NULL, "a page down"},
    {{KC(KEY_HOME), K('g'), K('<')},
     UI_ACT_TOP,
     UI_NPANES,
     NULL,
     "the first line, or the top of the pane"},
    {{KC(KEY_END), K('G'), K('>')},
     UI_ACT_BOTTOM,
     UI_NPANES,
     NULL,
     "the last line: new lines are followed again"},
    {{K('/')}, UI_ACT_SEARCH, UI_NPANES, NULL, "search the conversation (as shown, any case)"},
    {{K('n')}, UI_ACT_NEXT_MATCH, UI_NPANES, NULL, "the next match of the search"},
    {{K('N')}, UI_ACT_PREV_MATCH, UI_NPANES, NULL, "the previous match of the search"},
    {{K('&')}, UI_ACT_FILTER, UI_NPANES, NULL, "show a role, finding, server or client only"},
    {{K('\t')},
     UI_ACT_FOCUS_NEXT,
     UI_NPANES,
     NULL,
     "focus the next pane: conversation, grammar, findings"},
    {{KC(KEY_BTAB)}, UI_ACT_FOCUS_PREV, UI_NPANES, NULL, "focus the previous pane"},
    {{K('\r'), K('\n'), KC(KEY_ENTER)},
     UI_ACT_ENTER,
     UI_PANE_MATRIX,
     NULL,
     "on a finding: select its line"},
    {{KC(KEY_MOUSE)},
     UI_ACT_MOUSE,
     UI_NPANES,
     NULL,
     "wheel scrolls the pane under it, click selects"},
    {{K('o')}, UI_ACT_GRAMMAR, UI_NPANES, NULL, "the grammar of RFC 5321 or of the old RFC 1869"},
    {{K('c')}, UI_ACT_MATRIX, UI_NPANES, NULL, "show or hide the client matrix"},
    {{K('w')}, UI_ACT_WRITE, UI_NPANES, "w", "write the transcript"},
    {{K(12)}, UI_ACT_REDRAW, UI_NPANES, NULL, "redraw the screen"},
    {{K('?')}, UI_ACT_HELP, UI_NPANES, "?", "this help; any key closes it"},
    {{K('q')}, UI_ACT_QUIT, UI_NPANES, "q", "quit (asks first while the session is open)"},
    {{K(27)}, UI_ACT_NONE, UI_NPANES, NULL, NULL},
};

const size_t ui_keymap_count = sizeof ui_keymap / sizeof ui_keymap[0];

static bool key_is(const struct ui_keydef *k, int key, bool keycode)
{
	return k->key == key && k->code == keycode;
}

const struct ui_keymap *ui_keymap_find(int key, bool keycode, enum ui_pane_id focus)
{
	const struct ui_keymap *e;
	size_t i, j;

	for (i = 0; i < ui_keymap_count; i++) {
		e = &ui_keymap[i];
		if (e->pane != UI_NPANES && e->pane != focus)
			continue;
		for (j = 0; j < UI_KEYMAP_KEYS && e->keys[j].key != 0; j++)
			if (key_is(&e->keys[j], key, keycode))
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
static void keymap_name(const struct ui_keydef *k, bool doc, char *buf, size_t len)
{
	size_t i;

	if (k->code) {
		for (i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
			if (code_names[i].key == k->key)
				snprintf(buf, len, "%s", code_names[i].name);
		return;
	}
	if (k->key == ' ' || k->key == '\t' || k->key == '\r' || k->key == '\n')
		snprintf(buf, len, "%s",
		         k->key == ' '    ? "Space"
		         : k->key == '\t' ? "Tab"
		                          : "Enter");
	else if (k->key < 32)
		snprintf(buf, len, doc ? "`^%c`" : "^%c", k->key + '@');
	else
		snprintf(buf, len, doc ? "`%c`" : "%c", k->key);
}

void ui_keymap_keys(const struct ui_keymap *e, bool doc, char *buf, size_t len)
{
	char name[32], last[32] = "";
	size_t used = 0, j;

	buf[0] = '\0';
	for (j = 0; j < UI_KEYMAP_KEYS && e->keys[j].key != 0; j++) {
		name[0] = '\0';
		keymap_name(&e->keys[j], doc, name, sizeof name);
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
