/*
 * The rtnetlink watcher (src/net/netwatch.h) in a network namespace of its
 * own (a child process unshares one: nothing outside it changes, and it
 * goes with the child): adding an address to its loopback is reported
 * once, after the quiet time and not before; a burst of changes is one
 * report; nothing is reported without a change. Skipped without the right
 * to make a namespace.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/netwatch.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "netwatch child: %s:%d: %s\n", __FILE__, __LINE__, #c);    \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* Waits (bounded: 2 s) until the watcher's fd is readable. */
static bool readable(struct regent_netwatch *w)
{
	struct pollfd pf = {regent_netwatch_fd(w), POLLIN, 0};

	return poll(&pf, 1, 2000) == 1;
}

static int child(void)
{
	struct regent_netwatch *w;
	uint64_t t;

	if (unshare(CLONE_NEWNET) != 0)
		return 77;
	CHECK(regent_netwatch_open(&w, 500) == 0);
	CHECK(system("ip link set lo up") == 0);
	CHECK(readable(w));
	/* bringing lo up is itself a burst: reported after 500 ms quiet */
	CHECK(!regent_netwatch_process(w, 1000));
	CHECK(regent_netwatch_deadline(w) == 1500);
	CHECK(!regent_netwatch_process(w, 1499));
	CHECK(regent_netwatch_process(w, 1500));
	CHECK(!regent_netwatch_process(w, 5000)); /* once */
	CHECK(regent_netwatch_deadline(w) == UINT64_MAX);

	/* an address added: reported once, 500 ms after */
	t = regent_netwatch_events(w);
	CHECK(system("ip addr add 10.77.9.1/24 dev lo") == 0);
	CHECK(readable(w));
	CHECK(!regent_netwatch_process(w, 10000));
	CHECK(regent_netwatch_events(w) > t);
	/* a second change 300 ms later prolongs the same burst */
	CHECK(system("ip addr add 10.77.9.2/24 dev lo") == 0);
	CHECK(readable(w));
	CHECK(!regent_netwatch_process(w, 10300));
	CHECK(!regent_netwatch_process(w, 10799));
	CHECK(regent_netwatch_process(w, 10800));
	CHECK(!regent_netwatch_process(w, 20000));
	/* a route removed is a change too */
	CHECK(system("ip addr del 10.77.9.2/24 dev lo") == 0);
	CHECK(readable(w));
	CHECK(!regent_netwatch_process(w, 30000));
	CHECK(regent_netwatch_process(w, 30500));
	regent_netwatch_close(w);
	return 0;
}

static void address_change_reported_once_after_quiet(void **state)
{
	int st = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(address_change_reported_once_after_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
