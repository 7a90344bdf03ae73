/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A child process that opens a FIFO for writing, which blocks until some
 * process opens it for reading: tests use it to prove that code under
 * test never opened a FIFO (the child is then still blocked).
 */
#ifndef NSE_TEST_FIFO_WRITER_H
#define NSE_TEST_FIFO_WRITER_H

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Starts the writer on fifo; returns its PID (-1 when fork fails). The
 * child exits once a reader opened the FIFO, or after 60 s in any case,
 * so that a failed test leaves nothing behind; it does not hold the
 * test's output open.
 */
static inline pid_t fifo_writer_start(const char *fifo)
{
	pid_t pid = fork();
	int null;

	if (pid != 0)
		return pid;
	alarm(60);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	_exit(open(fifo, O_WRONLY) < 0 ? 1 : 0);
}

#endif
