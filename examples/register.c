/*
 * register.c — the C API in about ten lines: register an AOR, wait until it
 * is registered, then un-REGISTER and exit. The README quotes main().
 *
 *   REGENT_PASSWORD=secret ./register sip:alice@example.com [sip:proxy:5060]
 *
 * Exit 0 once registered and unregistered again, 1 otherwise.
 */
#include <regent.h>
#include <stdio.h>
#include <stdlib.h>

static void on_event(struct regent_registerer *r, const struct regent_event *ev, void *loop)
{
	(void)r;
	if (ev->type == REGENT_EV_RESPONSE)
		printf("%u %s\n", (unsigned)ev->status, ev->phrase);
	if (ev->type == REGENT_EV_STATE_CHANGED) {
		printf("state: %s\n", regent_registerer_state_name(ev->state));
		if (ev->state == REGENT_REG_REGISTERED || ev->state == REGENT_REG_TERMINATED)
			regent_loop_stop(loop); /* registered, or done unregistering */
	}
}

int main(int argc, char **argv)
{
	struct regent_ua_options uo;
	struct regent_registerer_options ro;
	struct regent_error err = {0};
	struct regent_ua *ua = NULL;
	struct regent_registerer *reg = NULL;
	struct regent_loop *loop = NULL;
	bool ok = false;

	if (argc < 2) {
		fprintf(stderr, "usage: %s AOR [OUTBOUND-PROXY]\n", argv[0]);
		return 2;
	}
	regent_ua_options_init(&uo);
	uo.uri = argv[1];
	uo.authorization_password = getenv("REGENT_PASSWORD");
	uo.server = argc > 2 ? argv[2] : NULL;
	regent_registerer_options_init(&ro);
	ro.expires = 60;
	ro.log_configuration = false;

	if (regent_loop_alloc(&loop) || regent_ua_alloc(&ua, &uo, &err) ||
	    regent_loop_add_ua(loop, ua))
		goto out;
	ro.event_h = on_event;
	ro.event_arg = loop;
	if (regent_registerer_alloc(&reg, ua, &ro, &err) || regent_registerer_register(reg, NULL))
		goto out;
	regent_loop_run(loop, 10000); /* until registered, at most 10 s */
	ok = regent_registerer_state(reg) == REGENT_REG_REGISTERED;
	regent_registerer_dispose(reg, 0); /* un-REGISTER, bounded */
	regent_loop_run(loop, 6000);	   /* until TERMINATED */
	ok = ok && regent_registerer_state(reg) == REGENT_REG_TERMINATED;
out:
	if (err.code)
		fprintf(stderr, "error: %s\n", err.text);
	if (ua) {
		if (loop)
			regent_loop_remove_ua(loop, ua);
		regent_ua_free(ua); /* frees the registerer too */
	}
	if (loop)
		regent_loop_free(loop);
	return ok ? 0 : 1;
}
