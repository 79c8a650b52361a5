// Package netns builds a small network of Linux network namespaces for
// tests that run ScatterBytes as separate hosts would: a LAN (a bridge in
// a router namespace, hosts on veth pairs) and hosts behind a
// masquerading NAT on that router. Every address is in 10.77.0.0/16 and
// lives only inside namespaces the Lab created; none of them has a route
// out, so no traffic leaves them. Close deletes the namespaces, and with
// them every interface, bridge and firewall rule.
//
// The NAT is a home router's: hosts behind it reach the LAN (their
// connections leave with the router's LAN address), while connections
// from the LAN to a host behind it are dropped silently, so a peer that
// dials a NATed host's private address waits for its dial timeout, as on
// the internet. LAN hosts route 10.77.1.0/24 through the router to make
// that happen.
//
// It needs root, ip (iproute2) and iptables; New says which is missing.
package netns

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ErrUnavailable means namespaces cannot be made here (not root, no ip
// or iptables); a test skips on it.
var ErrUnavailable = errors.New("network namespaces unavailable")

// Router is the router's LAN address; hosts behind the NAT leave with it.
const Router = "10.77.0.254"

// Lab is a set of namespaces made for one test.
type Lab struct {
	prefix string
	router string   // the router namespace, holding the LAN bridge
	spaces []string // every namespace made, router first
	nat    bool     // the router's NAT is set up
	nextIf int
}

// New makes the router namespace with the LAN bridge. The prefix names
// every namespace (prefix-router, prefix-NAME); it must be unique on the
// machine and short.
func New(ctx context.Context, prefix string) (*Lab, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: not root", ErrUnavailable)
	}
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%w: no %s on the PATH (apt-get install iproute2 iptables)", ErrUnavailable, tool)
		}
	}
	l := &Lab{prefix: prefix, router: prefix + "-router"}
	if err := l.addNS(ctx, l.router); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	err := l.runAll(ctx,
		[]string{"ip", "-n", l.router, "link", "add", "br0", "type", "bridge"},
		[]string{"ip", "-n", l.router, "addr", "add", Router + "/24", "dev", "br0"},
		[]string{"ip", "-n", l.router, "link", "set", "br0", "up"},
		[]string{"ip", "netns", "exec", l.router, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
		// With br_netfilter loaded, frames bridged between two LAN
		// hosts pass this namespace's FORWARD chain too.
		[]string{"ip", "netns", "exec", l.router, "iptables", "-A", "FORWARD", "-i", "br0", "-o", "br0", "-j", "ACCEPT"},
	)
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// AddHost makes namespace prefix-name on the LAN with address
// 10.77.0.host and returns the namespace and the address.
func (l *Lab) AddHost(ctx context.Context, name string, host int) (ns, ip string, err error) {
	ns, ip = l.prefix+"-"+name, fmt.Sprintf("10.77.0.%d", host)
	if err := l.addNS(ctx, ns); err != nil {
		return "", "", err
	}
	v := l.vethName()
	err = l.runAll(ctx,
		[]string{"ip", "-n", l.router, "link", "add", v, "type", "veth", "peer", "name", "eth0", "netns", ns},
		[]string{"ip", "-n", l.router, "link", "set", v, "master", "br0", "up"},
		[]string{"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
		[]string{"ip", "-n", ns, "link", "set", "eth0", "up"},
		[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
		[]string{"ip", "-n", ns, "route", "add", "10.77.1.0/24", "via", Router},
	)
	return ns, ip, err
}

// AddNATHost makes namespace prefix-name behind the router's NAT, with
// address 10.77.1.host, and returns the namespace and the address.
func (l *Lab) AddNATHost(ctx context.Context, name string, host int) (ns, ip string, err error) {
	if !l.nat {
		err := l.runAll(ctx,
			[]string{"ip", "-n", l.router, "link", "add", "nat0", "type", "bridge"},
			[]string{"ip", "-n", l.router, "addr", "add", "10.77.1.1/24", "dev", "nat0"},
			[]string{"ip", "-n", l.router, "link", "set", "nat0", "up"},
			l.iptables("-t", "nat", "-A", "POSTROUTING", "-s", "10.77.1.0/24", "-o", "br0", "-j", "MASQUERADE"),
			l.iptables("-A", "FORWARD", "-i", "nat0", "-o", "br0", "-j", "ACCEPT"),
			l.iptables("-A", "FORWARD", "-i", "br0", "-o", "nat0", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"),
			l.iptables("-A", "FORWARD", "-i", "br0", "-o", "nat0", "-j", "DROP"),
		)
		if err != nil {
			return "", "", err
		}
		l.nat = true
	}
	ns, ip = l.prefix+"-"+name, fmt.Sprintf("10.77.1.%d", host)
	if err := l.addNS(ctx, ns); err != nil {
		return "", "", err
	}
	v := l.vethName()
	err = l.runAll(ctx,
		[]string{"ip", "-n", l.router, "link", "add", v, "type", "veth", "peer", "name", "eth0", "netns", ns},
		[]string{"ip", "-n", l.router, "link", "set", v, "master", "nat0", "up"},
		[]string{"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
		[]string{"ip", "-n", ns, "link", "set", "eth0", "up"},
		[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
		[]string{"ip", "-n", ns, "route", "add", "default", "via", "10.77.1.1"},
	)
	return ns, ip, err
}

func (l *Lab) iptables(args ...string) []string {
	return append([]string{"ip", "netns", "exec", l.router, "iptables"}, args...)
}

func (l *Lab) vethName() string {
	l.nextIf++
	return fmt.Sprintf("v%d", l.nextIf)
}

// Command is name with args run inside namespace ns.
func (l *Lab) Command(ns, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Close deletes every namespace the Lab made (and so every interface and
// rule in them). Processes still running inside keep theirs alive:
// stop them first.
func (l *Lab) Close() error {
	var errs []error
	for i := len(l.spaces) - 1; i >= 0; i-- {
		if out, err := exec.Command("ip", "netns", "del", l.spaces[i]).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("ip netns del %s: %v: %s", l.spaces[i], err, strings.TrimSpace(string(out))))
		}
	}
	l.spaces = nil
	return errors.Join(errs...)
}

func (l *Lab) addNS(ctx context.Context, ns string) error {
	if err := run(ctx, "ip", "netns", "add", ns); err != nil {
		return err
	}
	l.spaces = append(l.spaces, ns)
	return nil
}

func (l *Lab) runAll(ctx context.Context, cmds ...[]string) error {
	for _, c := range cmds {
		if err := run(ctx, c...); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
