#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# Prints the python that can import pika (python3-pika may live in the system python only), or
# nothing. Used by it_tls.sh and it_mgmt_tls.sh to run pika_tls.py.
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import pika' 2>/dev/null; then
        echo "$py"
        exit 0
    fi
done
