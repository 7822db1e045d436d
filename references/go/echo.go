// The echo server, as the net package's users write it: a goroutine per
// connection, reading and writing back until the end of the stream. The
// harness's load generator drives it (sb_workload.external): the program
// says its port on fd 3, serves until its standard input closes, waits for
// its connections to end and reports what it accepted and echoed.
package main

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
)

// listenAddr: where to listen (--listen: the address a load agent on
// another host reaches; 127.0.0.1 otherwise).
var listenAddr = "127.0.0.1"

func serveEcho(p map[string]int64, ready func(port int)) (map[string]float64, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(listenAddr, "0"))
	if err != nil {
		return nil, err
	}
	size := p["msg"]
	var accepted, echoed, failures int64
	var conns sync.WaitGroup
	go func() {
		io.Copy(io.Discard, os.Stdin) // until the harness closes it
		ln.Close()
	}()
	ready(ln.Addr().(*net.TCPAddr).Port)
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if err != nil {
			atomic.AddInt64(&failures, 1)
			continue
		}
		accepted++
		conns.Add(1)
		go func(c net.Conn) {
			defer conns.Done()
			defer c.Close()
			buf := make([]byte, size)
			var n int64
			for {
				k, err := c.Read(buf)
				if k > 0 {
					if _, werr := c.Write(buf[:k]); werr != nil {
						atomic.AddInt64(&failures, 1)
						break
					}
					n += int64(k)
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					atomic.AddInt64(&failures, 1)
					break
				}
			}
			atomic.AddInt64(&echoed, n)
		}(conn)
	}
	conns.Wait()
	if os.Getenv("SB_REF_LIE") == "1" {
		echoed++ // claims a byte it never echoed: the harness must see it
	}
	return map[string]float64{"accepted": float64(accepted), "bytes_echoed": float64(echoed),
		"connection_failures": float64(failures)}, nil
}
