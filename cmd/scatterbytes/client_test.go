package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// cli runs scatterbytes commands in-process against one client directory.
type cli struct {
	t       *testing.T
	ctx     context.Context
	network string
	dir     string
	// logLevel, if set, is the commands' --log-level (else
	// logLevelForTest's): what a failing command's log shows.
	logLevel string
}

// run executes one command with a fresh root (which re-binds g and cg)
// and returns what it wrote to stdout.
func (c cli) run(args ...string) (string, error) {
	c.t.Helper()
	return c.runIn(nil, args...)
}

// runIn is run with standard input read from in (nil: none).
func (c cli) runIn(in io.Reader, args ...string) (string, error) {
	c.t.Helper()
	g, cg = globals{}, clientGlobals{}
	cmd := rootCmd()
	if in != nil {
		cmd.SetIn(in)
	}
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	level := c.logLevel
	if level == "" {
		level = logLevelForTest()
	}
	cmd.SetArgs(append([]string{"--network", c.network, "--dir", c.dir, "--log-level", level}, args...))
	// Each command has its own deadline, as a person running it would:
	// one shared by a whole test's commands runs out on a loaded machine.
	ctx, cancel := context.WithTimeout(c.ctx, cliTimeout)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	if ctx.Err() != nil && c.ctx.Err() == nil {
		// The command ran out its own deadline: where every goroutine
		// waited, for the next time it happens (.ci/stress run 8 of
		// stop 28: a get hung two minutes and logged nothing).
		if f, ferr := os.CreateTemp("", "scatterbytes-cli-stacks-*.txt"); ferr == nil {
			pprof.Lookup("goroutine").WriteTo(f, 2)
			f.Close()
			c.t.Logf("scatterbytes %s ran out its %s: goroutines in %s", strings.Join(args, " "), cliTimeout, f.Name())
		}
	}
	if err != nil && errOut.Len() > 0 {
		// What the command logged, shown if the test fails (or -v).
		b := errOut.Bytes()
		c.t.Logf("scatterbytes %s logged:\n%s", strings.Join(args, " "), b[max(0, len(b)-16<<10):])
	}
	return out.String(), err
}

// in is c for subtest t: a command that fails must fail t, not the test
// c was made for (FailNow from a subtest on its parent panics).
func (c cli) in(t *testing.T) cli {
	c.t = t
	return c
}

// must is run that fails the test on an error.
func (c cli) must(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("scatterbytes %s: %v", strings.Join(args, " "), humanError(err))
	}
	return out
}

// cliTimeout bounds one CLI command in the tests.
const cliTimeout = 2 * time.Minute

func newCLI(t *testing.T, ctx context.Context, network string) cli {
	t.Helper()
	t.Setenv(passphraseEnv, "")
	return cli{t: t, ctx: ctx, network: network, dir: filepath.Join(t.TempDir(), "client")}
}

func assertNoFile(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + ".partial"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists after a failed get (stat: %v)", p, err)
		}
	}
}

func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d expected", path, len(got), len(want))
	}
}

// storedBytes sums the chunk bytes the network's storage nodes hold.
func storedBytes(t *testing.T, net *testnet.Network) int64 {
	t.Helper()
	var sum int64
	for _, p := range net.Nodes() {
		u, err := p.Role().(*storage.Node).Storage().Store().Usage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sum += u.Bytes
	}
	return sum
}

var refLine = regexp.MustCompile(`(?m)^(sb1[a-z2-7]+)$`)

func TestClientCommands(t *testing.T) {
	ctx := t.Context()
	net := clienttest.NewNetwork(t, 6)
	profFile := filepath.Join(t.TempDir(), "net.json")
	if err := net.Profile.Save(profFile); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, ctx, profFile)
	work := t.TempDir()

	out := c.must("init", "--role", "client")
	if !strings.Contains(out, filepath.Join(c.dir, client.MasterKeyFile)) || !strings.Contains(out, "losing it") {
		t.Fatalf("init does not say where the master key is and why it matters:\n%s", out)
	}

	data := make([]byte, 5<<20+12345) // ranged gets cross readAtChunk
	rand.Read(data)
	src := filepath.Join(work, "data.bin")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out = c.must("put", src)
	m := refLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "stored default/data.bin (") || !strings.Contains(out, "4+2)") {
		t.Fatalf("put printed no status and reference:\n%s", out)
	}
	ref := m[1]
	t.Logf("put:\n%s", out)

	t.Run("put stdin", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		in := data[:3<<20+7]
		if _, err := c.runIn(bytes.NewReader(in), "put", "-", "--name", "piped"); exitCode(err, false) != exitUsage {
			t.Fatalf("put - without --size: %v, want a usage error", err)
		}
		if _, err := c.runIn(bytes.NewReader(in), "put", "-", "--size", "5", "data.bin"); err == nil {
			t.Fatal("put took two files")
		}
		_, err := c.runIn(bytes.NewReader(in[:1000]), "put", "-", "--name", "short", "--size", fmt.Sprint(len(in)))
		if err == nil || !strings.Contains(err.Error(), "--size") {
			t.Fatalf("put - of fewer bytes than --size: %v, want an error naming --size", err)
		}
		out, err := c.runIn(bytes.NewReader(in), "put", "-", "--name", "piped", "--size", fmt.Sprint(len(in)))
		if err != nil {
			t.Fatalf("put -: %v\n%s", humanError(err), out)
		}
		dst := filepath.Join(work, "piped.out")
		c.must("get", "piped", dst)
		assertFile(t, dst, in)
	})
	t.Run("ls", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		out := c.must("ls")
		t.Logf("ls:\n%s", out)
		if !strings.Contains(out, "default:") || !strings.Contains(out, "data.bin") {
			t.Errorf("ls:\n%s", out)
		}
		if out := c.must("ls", "default"); !strings.Contains(out, "data.bin") {
			t.Errorf("ls default:\n%s", out)
		}
		if out := c.must("ls", "other"); out != "" {
			t.Errorf("ls of an empty volume:\n%s", out)
		}
	})
	t.Run("share", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		if out := c.must("share", "data.bin"); strings.TrimSpace(out) != ref {
			t.Errorf("share printed %q, put %q", out, ref)
		}
	})
	t.Run("stat", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		out := c.must("stat", "data.bin")
		if !strings.Contains(out, "(5255225 bytes)") || !strings.Contains(out, "4+2") {
			t.Errorf("stat:\n%s", out)
		}
		out = c.must("stat", "--manifest", "data.bin")
		t.Logf("stat --manifest:\n%s", out)
		if !strings.Contains(out, "stripe 0") || !strings.Contains(out, "parity") {
			t.Errorf("stat --manifest:\n%s", out)
		}
	})
	t.Run("find", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		for _, tc := range []struct{ pattern, want string }{
			{"*.bin", "default/data.bin"},
			{"default/data.*", "default/data.bin"},
			{"*.txt", ""},
		} {
			out := c.must("find", tc.pattern)
			if (tc.want == "") != (out == "") || !strings.Contains(out, tc.want) {
				t.Errorf("find %q:\n%s", tc.pattern, out)
			}
		}
		if _, err := c.run("find", "[bad"); err == nil {
			t.Error("find accepted a malformed pattern")
		}
	})
	t.Run("get", func(t *testing.T) {
		for _, tc := range []struct {
			name, arg, rng string
			want           []byte
		}{
			{"by name", "data.bin", "", data},
			{"by reference", ref, "", data},
			{"range", ref, "1000:4500K", data[1000 : 1000+4500<<10]},
			{"range to the end", "data.bin", "64K:", data[64<<10:]},
			{"range past the end is clipped", "data.bin", "5M:1M", data[5<<20:]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := c.in(t) // a failing command fails this subtest, not its parent
				dst := filepath.Join(work, strings.ReplaceAll(tc.name, " ", "_"))
				args := []string{"get", tc.arg, dst}
				if tc.rng != "" {
					args = append(args, "--range", tc.rng)
				}
				c.must(args...)
				assertFile(t, dst, tc.want)
				if _, err := os.Stat(dst + ".partial"); err == nil {
					t.Error("partial file left behind")
				}
			})
		}
	})
	t.Run("bad references", func(t *testing.T) {
		b := []byte(ref)
		i := len(b) - 15 // inside the key, before the checksum
		b[i] = map[bool]byte{true: 'b', false: 'a'}[b[i] == 'a']
		parsed, err := manifest.ParseRef(ref)
		if err != nil {
			t.Fatal(err)
		}
		parsed.Key = keys.NewFileKey()
		for _, tc := range []struct {
			name, ref string
			want      error
		}{
			{"flipped character", string(b), manifest.ErrBadRef},
			{"other key", parsed.Encode(), manifest.ErrBadManifest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := c.in(t) // a failing command fails this subtest, not its parent
				dst := filepath.Join(work, "bad")
				_, err := c.run("get", tc.ref, dst)
				if !errors.Is(err, tc.want) {
					t.Fatalf("get: %v, want %v", err, tc.want)
				}
				if h := humanError(err); !strings.Contains(h, "the reference is wrong") {
					t.Errorf("unhelpful error: %s", h)
				}
				assertNoFile(t, dst)
			})
		}
	})
	t.Run("put replaces", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		v1, v2 := filepath.Join(work, "v1"), filepath.Join(work, "v2")
		if err := os.WriteFile(v1, []byte("first version"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(v2, []byte("second version"), 0o600); err != nil {
			t.Fatal(err)
		}
		out := c.must("put", v1, "--name", "v.txt")
		if strings.Contains(out, "replaced") {
			t.Errorf("a first put says it replaced something:\n%s", out)
		}
		old := refLine.FindStringSubmatch(out)[1]
		out = c.must("put", v2, "--name", "v.txt")
		if !strings.Contains(out, "replaced the version filed before and deleted its data") {
			t.Errorf("put over a filed name does not say it replaced it:\n%s", out)
		}
		dst := filepath.Join(work, "v.got")
		c.must("get", "v.txt", dst)
		assertFile(t, dst, []byte("second version"))
		_, err := c.run("get", old, filepath.Join(work, "v.old"))
		if !errors.Is(err, client.ErrNoManifest) {
			t.Fatalf("get of the replaced version's reference: %v, want ErrNoManifest", err)
		}
	})
	t.Run("rm", func(t *testing.T) {
		c := c.in(t) // a failing command fails this subtest, not its parent
		before := storedBytes(t, net)
		if out := c.must("rm", "data.bin"); !strings.Contains(out, "removed default/data.bin") {
			t.Errorf("rm:\n%s", out)
		}
		// A node keeps a deleted chunk its last commitment holds until its
		// next proof has committed without it (package proof, "Deletes"):
		// about an epoch.
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := wait.For(wctx, func() error {
			if after := storedBytes(t, net); after > before-int64(len(data)) {
				return fmt.Errorf("rm freed %d bytes on the nodes, want at least the file's %d", before-after, len(data))
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		if out := c.must("ls"); strings.Contains(out, "data.bin") {
			t.Errorf("ls after rm:\n%s", out)
		}
		dst := filepath.Join(work, "gone")
		_, err := c.run("get", "data.bin", dst)
		if !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("get after rm: %v, want ErrNotFound", err)
		}
		if h := humanError(err); !strings.Contains(h, "scatterbytes ls") {
			t.Errorf("unhelpful error: %s", h)
		}
		assertNoFile(t, dst)
		_, err = c.run("get", ref, dst)
		if !errors.Is(err, client.ErrNoManifest) {
			t.Fatalf("get of a removed file's reference: %v, want ErrNoManifest", err)
		}
		if h := humanError(err); strings.Contains(h, "\n") || !strings.Contains(h, "removed") {
			t.Errorf("not one helpful line: %s", h)
		}
		assertNoFile(t, dst)
	})
}

func TestClientNeedsInitAndPassphrase(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t, ctx, "")
	_, err := c.run("ls")
	if !errors.Is(err, errNoMasterKey) || !strings.Contains(humanError(err), "init --role client") {
		t.Fatalf("ls before init: %v", err)
	}
	pf := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pf, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.must("init", "--role", "client", "--passphrase-file", pf); !strings.Contains(out, "passphrase") {
		t.Errorf("init:\n%s", out)
	}
	if _, err := c.run("ls"); !errors.Is(err, keys.ErrNeedPassphrase) {
		t.Errorf("ls without the passphrase: %v", err)
	}
	t.Setenv(passphraseEnv, "wrong")
	if _, err := c.run("ls"); !errors.Is(err, keys.ErrBadPassphrase) {
		t.Errorf("ls with a wrong passphrase: %v", err)
	}
	t.Setenv(passphraseEnv, "correct horse")
	if out := c.must("ls"); out != "" {
		t.Errorf("ls of a new catalog:\n%s", out)
	}
	if out := c.must("ls", "--passphrase-file", pf); out != "" {
		t.Errorf("ls of a new catalog:\n%s", out)
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    byteRange
		wantErr bool
	}{
		{in: "0:10", want: byteRange{0, 10}},
		{in: "1K:2M", want: byteRange{1 << 10, 2 << 20}},
		{in: "1kib:1MB", want: byteRange{1 << 10, 1 << 20}},
		{in: "3G:", want: byteRange{3 << 30, -1}},
		{in: "10", wantErr: true},
		{in: "-1:5", wantErr: true},
		{in: "1:x", wantErr: true},
		{in: ":5", wantErr: true},
		{in: "9999999999T:1", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseRange(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Errorf("parseRange(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func logLevelForTest() string {
	if l := os.Getenv("SB_TEST_LOG"); l != "" {
		return l
	}
	return "error"
}
