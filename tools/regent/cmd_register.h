/*
 * The client subcommands: `regent register`, `regent unregister`,
 * `regent query`. Each takes argv with argv[0] = the subcommand name and
 * returns the process exit code (0 ok, 1 rejected, 2 usage, 3 network/DNS/
 * timeout, 4 TLS verification).
 */
#ifndef REGENT_CLI_CMD_REGISTER_H
#define REGENT_CLI_CMD_REGISTER_H

int regent_cmd_register(int argc, char **argv);
int regent_cmd_unregister(int argc, char **argv);
int regent_cmd_query(int argc, char **argv);

#endif /* REGENT_CLI_CMD_REGISTER_H */
