/* SPDX-License-Identifier: MPL-2.0 */
/* Fuzz target for the definitions importer (issue 6): any bytes are imported into a fresh
 * broker, then exported again; neither may crash, leak or read out of bounds. */
#include "server/broker.h"
#include "server/definitions.h"
#include "server/log.h"
#include "server/settings.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event_base *base = event_base_new();
    struct wr_config cfg;
    struct wr_broker *b;
    char err[512];

    wr_log_set_level(WR_LOG_ERROR);
    wr_config_defaults(&cfg);
    b = wr_broker_new(base, &cfg);
    wr_definitions_import(b, (const char *)data, size, err, sizeof(err));
    free(wr_definitions_export(b, true));
    wr_broker_free(b);
    event_base_free(base);
    return 0;
}
