/*
 * regent — the command line tool. main() only dispatches on the first
 * argument; each subcommand lives in its own cmd_<name>.c with the
 * signature int fn(int argc, char **argv) (argv[0] = the subcommand name)
 * and returns the process exit code. To add one: a row in `cmds`.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_load.h"
#include "load_opts.h"
#include "cmd_parse.h"
#include "cmd_register.h"
#include "cmd_registrar.h"
#include "opts.h"

/* `regent completion bash`: the completion script, from the option tables. */
static void completion_bash(void);

static void print_completion_flags(void *f)
{
	fputs("bash", f);
}

static int cmd_completion(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "bash")) {
		fputs("usage: regent completion bash   (e.g. regent completion bash "
		      ">~/.local/share/bash-completion/completions/regent)\n",
		      stderr);
		return 2;
	}
	completion_bash();
	return fflush(stdout) ? 1 : 0;
}

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	void (*flags)(void *f); /* its long options, for the completion */
};

static const struct cmd cmds[] = {
    {"parse", regent_cmd_parse, "parse [--json] FILE...   check SIP messages (FILE - : stdin)",
     regent_parse_print_flags},
    {"register", regent_cmd_register, "register AOR [options]   register and stay registered",
     regent_cli_print_register_flags},
    {"unregister", regent_cmd_unregister, "unregister AOR [--all]   remove our binding (or all)",
     regent_cli_print_unregister_flags},
    {"query", regent_cmd_query, "query AOR [options]      list the bindings of an AOR",
     regent_cli_print_query_flags},
    {"registrar", regent_cmd_registrar, "registrar [options]      a small test registrar",
     regent_registrar_print_flags},
    {"load", regent_cmd_load, "load --aor T --count M    keep many registrations alive, report",
     load_opts_print_flags},
    {"completion", cmd_completion, "completion bash          print a bash completion script",
     print_completion_flags},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The completion names every command of the table above with its flags. */
static void completion_bash(void)
{
	struct regent_cli_flags f[NCMDS];

	for (size_t i = 0; i < NCMDS; i++)
		f[i] = (struct regent_cli_flags){cmds[i].name, cmds[i].flags};
	regent_cli_completion_bash(stdout, f, NCMDS);
}

static void usage(FILE *f)
{
	fputs("usage: regent <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i].summary);
	fputs("\nregent <command> --help for the options of one command\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("regent " REGENT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCMDS; i++) {
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "regent: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
