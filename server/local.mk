# server/: the broker.
include server/route.mk
libwarren_a_SOURCES += \
	server/admin.c server/admin.h \
	server/alarm.c server/alarm.h \
	server/broker.c server/broker.h \
	server/channel.c server/channel.h \
	server/settings.c server/settings.h \
	server/clock.h \
	server/conn.c server/conn.h server/conn_internal.h server/conn_io.c \
	server/dispatch.c \
	server/error.c server/error.h \
	server/exchange.c server/exchange.h \
	server/h_basic.c server/h_channel.c server/h_confirm_tx.c server/h_connection.c \
	server/h_exchange.c server/h_queue.c \
	server/listener.c server/listener.h \
	server/tls.c server/tls.h server/tls_session.c \
	server/log.c server/log.h \
	server/mem.c server/mem.h \
	server/msg.c server/msg.h \
	server/stats.c server/stats.h \
	server/msg_headers.c server/msg_headers.h \
	server/deadletter.c server/deadletter.h \
	server/ctl_defs.c \
	server/defs.c server/defs.h \
	server/definitions.c server/definitions.h \
	server/json_table.c server/json_table.h \
	server/queue_expiry.c server/queue_internal.h \
	server/persist.c server/persist.h \
	server/perm.c server/perm.h \
	server/policy.c server/policy.h server/gparam.c server/gparam.h \
	server/pool.c server/pool.h \
	server/regex.c server/regex.h \
	server/publish.c \
	server/reply_to.c \
	server/queue.c server/spill.c server/spill.h server/queue.h \
	server/queue_args.c server/queue_args.h \
	server/user.c server/user.h \
	server/vhost.c server/vhost.h
libwarren_a_SOURCES += server/ctl.c server/ctl.h server/ctl_cmds.c server/ctl_internal.h \
	server/ctl_list.c
libwarren_a_SOURCES += server/mgmt.c server/mgmt.h server/mgmt_internal.h server/mgmt_json.c \
	server/mgmt_api_access.c server/mgmt_api_defs.c server/mgmt_api_node.c \
	server/mgmt_api_objects.c server/mgmt_metrics.c server/mgmt_ui.c \
	server/mgmt_api_conns.c server/mgmt_api_declare.c server/mgmt_api_bindings.c \
	server/mgmt_api_msgs.c

warren_SOURCES = server/main.c
warren_LDADD = $(WR_LIBS)
warrenctl_SOURCES = server/ctl_main.c
warrenctl_LDADD = $(WR_LIBS)
