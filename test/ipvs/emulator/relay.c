/*
 * The ipvsadm emulator at the speed of a native program: a small client that
 * hands its arguments and standard input to a running emulator server
 * (server.mjs) over the Unix socket named by IPVSADM_EMULATOR_SOCKET, and
 * leaves as the emulated ipvsadm did (output, exit status, or its signal).
 * The emulator started as `node ipvsadm.mjs` costs a node start per run
 * (about 200 ms here), where the real ipvsadm takes a few milliseconds: a
 * bench that measures the path from a check verdict to the table needs the
 * latter. Built by emulator/fast.mjs with the system C compiler.
 *
 * Request:  the argument count, then each argument, each ended by NUL, then
 *           standard input to its end (none when it is a terminal), then
 *           the write side is shut.
 * Answer:   "STATUS SIGNAL STDOUT_LENGTH\n" (SIGNAL 0 for none), the
 *           standard output bytes, then the standard error bytes to the end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "ipvsadm relay: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    buf += n;
    len -= (size_t)n;
  }
}

int main(int argc, char **argv) {
  const char *path = getenv("IPVSADM_EMULATOR_SOCKET");
  if (!path || !*path) {
    fputs("ipvsadm relay: set IPVSADM_EMULATOR_SOCKET to the emulator server's socket\n", stderr);
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    fputs("ipvsadm relay: socket path too long\n", stderr);
    return 2;
  }
  strcpy(addr.sun_path, path);
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  if (sock < 0) die("socket");
  if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) die(path);

  char count[16];
  int n = snprintf(count, sizeof count, "%d", argc - 1);
  write_all(sock, count, (size_t)n + 1);
  for (int i = 1; i < argc; i++) write_all(sock, argv[i], strlen(argv[i]) + 1);

  char buf[65536];
  if (!isatty(0)) {
    for (;;) {
      ssize_t r = read(0, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      write_all(sock, buf, (size_t)r);
    }
  }
  shutdown(sock, SHUT_WR);

  /* The header line, then the two outputs. */
  char header[64];
  size_t have = 0;
  for (;;) {
    ssize_t r = read(sock, header + have, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die("no answer from the emulator server");
    if (header[have] == '\n') break;
    if (++have == sizeof header - 1) die("bad answer from the emulator server");
  }
  header[have] = '\0';
  int status = 0, sig = 0;
  long out_len = 0;
  if (sscanf(header, "%d %d %ld", &status, &sig, &out_len) != 3) die("bad answer from the emulator server");

  for (int fd = 1; fd <= 2;) {
    size_t want = fd == 1 ? (size_t)out_len : sizeof buf;
    if (fd == 1 && want == 0) {
      fd = 2;
      continue;
    }
    ssize_t r = read(sock, buf, want < sizeof buf ? want : sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("read");
    if (r == 0) {
      if (fd == 1) die("short answer from the emulator server");
      break;
    }
    write_all(fd, buf, (size_t)r);
    if (fd == 1) out_len -= r;
    if (fd == 1 && out_len == 0) fd = 2;
  }
  close(sock);
  if (sig) {
    /* As the real one dies: by the signal, with its default action. */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  return status;
}
