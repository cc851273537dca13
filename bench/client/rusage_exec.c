/*
 * rusage_exec.c — bench_client_rusage: runs a command and reports its CPU
 * time and peak RSS from wait4(), in microseconds (GNU time prints
 * centiseconds, too coarse for ~100 ms runs).
 *
 *   bench_client_rusage OUTFILE TIMEOUT_S COMMAND [ARGS...]
 *
 * Writes "cpu_us=U+S user_us=U sys_us=S wall_us=W maxrss_kib=K status=N" to OUTFILE
 * once the command has ended. The count covers the whole process (startup
 * and exit included) and whatever children it waited for. After TIMEOUT_S
 * seconds, or on SIGTERM/SIGINT/SIGHUP, the command gets SIGTERM (SIGKILL
 * one second later): nothing outlives this helper.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_sig;

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_sig(int sig)
{
	stop_sig = sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct rusage ru;
	unsigned long timeout_s;
	int status = 0, killed = 0;
	long long t0, t1;
	pid_t pid, w;
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_client_rusage OUTFILE TIMEOUT_S COMMAND [ARGS...]\n");
		return 2;
	}
	timeout_s = strtoul(argv[2], NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	t0 = mono_us();
	pid = fork();
	if (pid < 0) {
		perror("bench_client_rusage: fork");
		return 2;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[3], argv + 3);
		perror("bench_client_rusage: exec");
		_exit(127);
	}
	alarm((unsigned)timeout_s);
	for (;;) {
		w = wait4(pid, &status, 0, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return 2;
		if (stop_sig && killed == 0) {
			kill(pid, SIGTERM);
			killed = 1;
			alarm(1);
		} else if (stop_sig && killed == 1) {
			kill(pid, SIGKILL);
			killed = 2;
		}
	}
	t1 = mono_us();
	f = fopen(argv[1], "w");
	if (!f)
		return 2;
	fprintf(f, "cpu_us=%lld user_us=%lld sys_us=%lld wall_us=%lld maxrss_kib=%ld status=%d\n",
		(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
		(long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
		(long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, t1 - t0,
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(f);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && !killed ? 0 : 1;
}
