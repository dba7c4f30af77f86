/* SPDX-License-Identifier: MPL-2.0 */
/* Plain main for fuzz targets built without libFuzzer: runs every file of the target's corpus
 * directory (or of the directories/files given as arguments) through LLVMFuzzerTestOneInput, so
 * `make check` replays the corpus, crash reproducers included. */
#define _POSIX_C_SOURCE 200809L /* scandir, alphasort under -std=c11 */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef WR_FUZZING

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    /* An exact-size heap copy, so ASan sees any read past the input. */
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto fail;
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
fail:
    fprintf(stderr, "cannot read %s\n", path);
    if (f)
        fclose(f);
    free(buf);
    return -1;
}

static int
replay_dir(const char *dir, int *count)
{
    struct dirent **names;
    char path[4096];
    int n = scandir(dir, &names, NULL, alphasort), rc = 0;

    if (n < 0) {
        fprintf(stderr, "cannot open corpus %s\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc |= replay_file(path);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int
main(int argc, char **argv)
{
    int count = 0, rc = 0;
    struct stat st;

    if (argc < 2)
        rc = replay_dir(WR_CORPUS_DIR, &count);
    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc |= replay_dir(argv[i], &count);
        else
            rc |= replay_file(argv[i]), count++;
    }
    printf("replayed %d input(s)\n", count);
    return rc ? 1 : 0;
}

#endif
