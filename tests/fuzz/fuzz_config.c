/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for the rabbitmq.conf parser (issue 6): any bytes are parsed into a fresh
 * configuration, which is then released; neither may crash, leak or read out of bounds. */
#include "server/log.h"
#include "server/settings.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wr_config cfg;
    char err[512];

    wr_log_set_level(WR_LOG_ERROR);
    wr_config_defaults(&cfg);
    wr_config_parse(&cfg, (const char *)data, size, "fuzz", err, sizeof(err));
    wr_config_free(&cfg);
    return 0;
}
