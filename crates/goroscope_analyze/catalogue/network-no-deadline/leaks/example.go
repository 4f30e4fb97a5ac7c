package leaks

import (
	"bufio"
	"net"
)

func greeting(addr string) (string, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// leaks: waits for ever on a peer that never writes
	return bufio.NewReader(conn).ReadString('\n')
}
