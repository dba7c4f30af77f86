/* SPDX-License-Identifier: MPL-2.0 */
/* warrenctl: the rabbitmqctl-compatible CLI. Its commands arrive with the operations issue (5);
 * until then it says so and exits with rabbitmqctl's usage error code. */
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
        printf("usage: warrenctl <command> [options]\nno commands are available yet\n");
        return 0;
    }
    fprintf(stderr, "warrenctl: command '%s' is not available yet\n", argc > 1 ? argv[1] : "");
    return 64;
}
