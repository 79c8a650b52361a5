package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/scatterbytes/scatterbytes/p2p/dash"
)

// coordinatorDashboard is the coordinator's default dashboard address,
// beside a node's (dash.DefaultAddr) on the same machine.
const coordinatorDashboard = "127.0.0.1:8090"

// dashboardAddr is the address to serve the dashboard on: addr, unless
// it is the default (not given) and another process holds it; then a port
// the system picks on the same host, so that a second node on a machine
// starts all the same (it prints where its dashboard is).
func dashboardAddr(log *slog.Logger, addr string, given bool) string {
	if given || addr == "" {
		return addr
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		host, _, _ := net.SplitHostPort(addr)
		log.Warn("the dashboard's default address is taken: using another port", "addr", addr, "err", err)
		return net.JoinHostPort(host, "0")
	}
	l.Close()
	return addr
}

// printDashboard says where the dashboard is, and its token the one time
// it is made.
func printDashboard(w io.Writer, s *dash.Server) {
	if s == nil {
		return
	}
	if t := s.NewToken(); t != "" {
		fmt.Fprintf(w, "  dashboard on %s\n", s.URL())
		fmt.Fprintf(w, "  dashboard token (shown once; kept in %s): %s\n", filepath.Join(g.dir, dash.TokenFile), t)
		return
	}
	fmt.Fprintf(w, "  dashboard on http://%s/", s.Addr())
	host, _, _ := net.SplitHostPort(s.Addr())
	if dash.NeedsToken(host) {
		fmt.Fprintf(w, " (token in %s)", filepath.Join(g.dir, dash.TokenFile))
	}
	fmt.Fprintln(w)
}
