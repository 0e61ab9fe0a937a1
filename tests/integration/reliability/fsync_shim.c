/* An LD_PRELOAD shim for tests/integration/reliability/test_acknowledged_is_synced.py.
 *
 * Every fsync/fdatasync of a file whose name ends in "-wal" is delayed by
 * $FSYNC_SHIM_DELAY_US microseconds and logged as "S <start_ns> <end_ns>" (CLOCK_MONOTONIC,
 * the clock of Python's time.monotonic_ns()); every pwrite to such a file that carries a
 * token "fsynctoken-" followed by 12 characters is logged as "W <ns after the write> <token>".
 * Lines go to the file $FSYNC_SHIM_LOG, appended whole (O_APPEND, one write each).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "fsynctoken-"
#define TOKEN_LENGTH (sizeof(TOKEN) - 1 + 12)

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int is_wal(int fd) {
    char link[64], name[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, name, sizeof name - 1);
    if (n < 4) return 0;
    name[n] = 0;
    return strcmp(name + n - 4, "-wal") == 0;
}

static void log_line(const char *line, size_t length) {
    const char *path = getenv("FSYNC_SHIM_LOG");
    if (!path) return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, line, length);
    (void)ignored;
    close(fd);
}

static int synced(int (*real)(int), int fd) {
    if (!is_wal(fd)) return real(fd);
    long long start = now_ns();
    const char *delay = getenv("FSYNC_SHIM_DELAY_US");
    if (delay) usleep((useconds_t)atol(delay));
    int result = real(fd);
    char line[96];
    int length = snprintf(line, sizeof line, "S %lld %lld\n", start, now_ns());
    log_line(line, (size_t)length);
    return result;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return synced(real, fd);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return synced(real, fd);
}

static void note_tokens(int fd, const void *buffer, size_t size) {
    if (!is_wal(fd)) return;
    long long at = now_ns();
    const char *cursor = buffer, *end = (const char *)buffer + size;
    while (cursor < end) {
        const char *found = memmem(cursor, (size_t)(end - cursor), TOKEN, sizeof(TOKEN) - 1);
        if (!found || found + TOKEN_LENGTH > end) return;
        char line[96];
        int length = snprintf(line, sizeof line, "W %lld %.*s\n", at, (int)TOKEN_LENGTH, found);
        log_line(line, (size_t)length);
        cursor = found + TOKEN_LENGTH;
    }
}

ssize_t pwrite64(int fd, const void *buffer, size_t size, off_t offset) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    ssize_t written = real(fd, buffer, size, offset);
    if (written > 0) note_tokens(fd, buffer, (size_t)written);
    return written;
}

ssize_t pwrite(int fd, const void *buffer, size_t size, off_t offset) {
    return pwrite64(fd, buffer, size, offset);
}
