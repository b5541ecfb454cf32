/*
 * prompt.c: the prompt of the inspector's line mode (--plain), a libedit
 * line editor with a history, so that only src/ui speaks to libedit.
 */
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>

#include "ui/ui.h"

#define UI_PROMPT_HISTORY 500 /* answers kept for Up and Down */

struct ui_prompt {
	EditLine *el;
	History *hist;
	const char *text; /* the prompt shown */
};

static const char *prompt_text(EditLine *el)
{
	struct ui_prompt *p = NULL;

	el_get(el, EL_CLIENTDATA, &p);
	return p != NULL ? p->text : "> ";
}

struct ui_prompt *ui_prompt_new(const char *text)
{
	struct ui_prompt *p = calloc(1, sizeof *p);
	HistEvent ev;

	if (p == NULL)
		return NULL;
	p->text = text;
	p->el = el_init("smtpscope", stdin, stdout, stderr);
	p->hist = history_init();
	if (p->el == NULL || p->hist == NULL) {
		ui_prompt_free(p);
		return NULL;
	}
	history(p->hist, &ev, H_SETSIZE, UI_PROMPT_HISTORY);
	el_set(p->el, EL_CLIENTDATA, p);
	el_set(p->el, EL_PROMPT, prompt_text);
	el_set(p->el, EL_HIST, history, p->hist);
	el_set(p->el, EL_EDITOR, "emacs");
	el_source(p->el, NULL);
	return p;
}

void ui_prompt_free(struct ui_prompt *p)
{
	if (p == NULL)
		return;
	if (p->el != NULL)
		el_end(p->el);
	if (p->hist != NULL)
		history_end(p->hist);
	free(p);
}

const char *ui_prompt_read(struct ui_prompt *p, const char *preset)
{
	const char *line;
	HistEvent ev;
	int count;

	if (preset != NULL)
		el_push(p->el, preset);
	line = el_gets(p->el, &count);
	if (line != NULL && count > 1)
		history(p->hist, &ev, H_ENTER, line);
	return line;
}
