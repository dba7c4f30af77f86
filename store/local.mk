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
# store/meta*: the metadata log (disk and RAM backends, command records). Same rules: no server/.
libwarren_a_SOURCES += \
	store/meta.h \
	store/meta_internal.h \
	store/meta.c \
	store/meta_rec.c \
	store/meta_disk.c \
	store/meta_disk_recover.c \
	store/meta_ram.c
