# server/ routing containers: the shared hash table, the topic trie and headers matching.
libwarren_a_SOURCES += server/hmap.c server/topic.c server/headers_match.c
