package web_test

import "syscall"

// smallBuffers makes a socket's send and receive buffers small (a
// listening socket's pass to the connections it accepts), so that a server
// writing to a client that does not read blocks soon.
func smallBuffers(_, _ string, c syscall.RawConn) error {
	var err error
	c.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
		if err == nil {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}
	})
	return err
}
