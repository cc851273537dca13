/*
 * `regent registrar`: the in-memory registrar core over real sockets (a test
 * and demo tool). argv[0] is the subcommand name; returns the exit code.
 */
#ifndef REGENT_CLI_CMD_REGISTRAR_H
#define REGENT_CLI_CMD_REGISTRAR_H

int regent_cmd_registrar(int argc, char **argv);

/* The long options of `regent registrar`, for the completion. */
void regent_registrar_print_flags(void *f);

#endif /* REGENT_CLI_CMD_REGISTRAR_H */
