# store/: the message store (segments, queue indexes, group commit thread, recovery,
# compaction). Depends on nothing of ours but config.h; server/ includes store/store.h only.
libwarren_a_SOURCES += \
	store/store.h \
	store/store_internal.h \
	store/store.c \
	store/crc32c.c \
	store/table.c \
	store/segment.c \
	store/qindex.c \
	store/commit.c \
	store/recover.c \
	store/compact.c
