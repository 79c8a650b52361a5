// Package btcnode runs a real btcd (v0.25.0, the go tool dependency in
// go.mod) on Bitcoin regtest for tests and local networks: a fresh data
// directory, loopback ports, RPC without TLS (btcd allows --notls only on
// loopback; certificates would add a file to hand around and protect
// nothing on 127.0.0.1), blocks mined on demand to a given address.
//
// The btcd binary is built once per machine into the user cache directory
// (`go build`, so the go command and this module's go.mod must be at hand:
// tests and `go run` have both) and reused by every later test process.
package btcnode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/btcsuite/btcd/rpcclient"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// Version is the btcd the module declares as a tool.
const Version = "v0.25.0"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of the btcd binary, building it the first time.
func Binary(ctx context.Context) (string, error) {
	buildOnce.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "scatterbytes", "btcd-"+Version)
		binPath = filepath.Join(dir, "btcd")
		if _, err := os.Stat(binPath); err == nil {
			return
		}
		if buildErr = os.MkdirAll(dir, 0o755); buildErr != nil {
			return
		}
		tmp := fmt.Sprintf("%s.%d", binPath, os.Getpid())
		cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, "github.com/btcsuite/btcd")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build btcd %s (needs the go command in the scatterbytes source tree; or install it with `go install github.com/btcsuite/btcd@%s` and pass its path): %v: %s", Version, Version, err, out)
			return
		}
		buildErr = os.Rename(tmp, binPath) // atomic: a racing process builds the same bytes
	})
	return binPath, buildErr
}

// Node is a running btcd.
type Node struct {
	RPCHost string // 127.0.0.1:port
	User    string
	Pass    string
	Dir     string

	cmd  *exec.Cmd
	done chan error
	rpc  *rpcclient.Client
}

// Options are the settings of StartWith beyond the mining address.
type Options struct {
	// MiningAddr receives the coinbase of every block Mine makes.
	MiningAddr string
	// Index makes btcd keep its transaction and address indexes
	// (--txindex --addrindex): getrawtransaction then answers for any
	// transaction and searchrawtransactions for any address, which is how
	// a person looks at payouts on a chain where btcd has no wallet.
	Index bool
	// Binary is the btcd to run; "" builds the module's (see Binary).
	Binary string
}

// PassFile is the file in the node's directory holding its RPC password
// (0600), for the CLI's --btc-rpc-pass-file or curl --user.
const PassFile = "rpc.pass"

// Start starts btcd in dir (which it owns) mining to miningAddr.
func Start(ctx context.Context, dir, miningAddr string) (*Node, error) {
	return StartWith(ctx, dir, Options{MiningAddr: miningAddr})
}

// StartWith starts btcd in dir (which it owns) with o.
func StartWith(ctx context.Context, dir string, o Options) (*Node, error) {
	bin := o.Binary
	if bin == "" {
		var err error
		if bin, err = Binary(ctx); err != nil {
			return nil, err
		}
	}
	p2p, err := freePort()
	if err != nil {
		return nil, err
	}
	rpcPort, err := freePort()
	if err != nil {
		return nil, err
	}
	pass := make([]byte, 16)
	rand.Read(pass)
	n := &Node{RPCHost: "127.0.0.1:" + strconv.Itoa(rpcPort), User: "scatterbytes", Pass: hex.EncodeToString(pass),
		Dir: dir, done: make(chan error, 1)}
	conf := filepath.Join(dir, "btcd.conf")
	if err := os.WriteFile(conf, nil, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, PassFile), []byte(n.Pass+"\n"), 0o600); err != nil {
		return nil, err
	}
	args := []string{"--regtest", "--configfile=" + conf,
		"--datadir=" + filepath.Join(dir, "data"), "--logdir=" + filepath.Join(dir, "logs"),
		"--listen=127.0.0.1:" + strconv.Itoa(p2p), "--rpclisten=" + n.RPCHost, "--notls",
		"--rpcuser=" + n.User, "--rpcpass=" + n.Pass, "--miningaddr=" + o.MiningAddr, "--debuglevel=warn"}
	if o.Index {
		args = append(args, "--txindex", "--addrindex")
	}
	n.cmd = exec.Command(bin, args...)
	n.cmd.SysProcAttr = childAttr()
	log, err := os.Create(filepath.Join(dir, "btcd.out"))
	if err != nil {
		return nil, err
	}
	n.cmd.Stdout, n.cmd.Stderr = log, log
	if err := n.cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	go func() { n.done <- n.cmd.Wait(); log.Close() }()
	if n.rpc, err = rpcclient.New(n.ConnConfig(), nil); err != nil {
		n.Stop()
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = wait.For(wctx, func() error {
		select {
		case err := <-n.done:
			n.done <- err
			cancel()
			return fmt.Errorf("btcd exited: %v (see %s)", err, log.Name())
		default:
		}
		// rpcclient retries a refused connection for about 20 s: ask
		// only once the port listens, so that a btcd that exits is seen.
		c, err := net.DialTimeout("tcp", n.RPCHost, time.Second)
		if err != nil {
			return err
		}
		c.Close()
		_, err = n.rpc.GetBlockCount()
		return err
	})
	if err != nil {
		n.Stop()
		return nil, fmt.Errorf("btcd did not answer RPC: %w", err)
	}
	return n, nil
}

// ConnConfig is the RPC configuration of n for rpcclient.New.
func (n *Node) ConnConfig() *rpcclient.ConnConfig {
	return &rpcclient.ConnConfig{Host: n.RPCHost, User: n.User, Pass: n.Pass, HTTPPostMode: true, DisableTLS: true}
}

// RPC is a client of n.
func (n *Node) RPC() *rpcclient.Client { return n.rpc }

// Mine mines k blocks to the mining address.
func (n *Node) Mine(k uint32) error {
	_, err := n.rpc.Generate(k)
	return err
}

// Pid is btcd's process ID.
func (n *Node) Pid() int { return n.cmd.Process.Pid }

// Stop stops btcd and waits for it.
func (n *Node) Stop() error {
	if n.rpc != nil {
		n.rpc.Shutdown()
	}
	if n.cmd.Process == nil {
		return nil
	}
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
