/*
 * `regent load`: keep many registrations alive from one process and report
 * like a load tool (docs/load.md). argv[0] = "load"; returns the exit code
 * (0 failures within --max-failures, 1 more, 2 usage, 3 network).
 */
#ifndef REGENT_CLI_CMD_LOAD_H
#define REGENT_CLI_CMD_LOAD_H

int regent_cmd_load(int argc, char **argv);

#endif /* REGENT_CLI_CMD_LOAD_H */
