/*
 * `regent parse [--json] FILE…`: checks SIP messages with the codec's full
 * validation. argv[0] is the subcommand name; returns the exit code (0 all
 * parsed, 1 some did not, 2 usage).
 */
#ifndef REGENT_CLI_CMD_PARSE_H
#define REGENT_CLI_CMD_PARSE_H

int regent_cmd_parse(int argc, char **argv);

/* The flags of `regent parse`, NULL-terminated (for the bash completion). */
extern const char *const regent_parse_flags[];
/* regent_parse_flags as "--json --help", for the completion. */
void regent_parse_print_flags(void *f);

#endif /* REGENT_CLI_CMD_PARSE_H */
