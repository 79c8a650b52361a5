package procnet

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a running child process and what its standard output said.
type child struct {
	rec  Proc
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
	err  error         // its exit, once done

	mu      sync.Mutex
	addrs   []string
	dash    string
	ready   bool // printed its last start-up line
	stopped bool // the supervisor stopped it
}

var (
	listenRE = regexp.MustCompile(`^\s*listening on (\S+)`)
	dashRE   = regexp.MustCompile(`^\s*dashboard on (\S+)`)
)

// spawn starts bin with args as child rec, its standard output and error
// appended to rec.Log; readyLine matches the last line it prints once it
// runs.
func spawn(bin string, rec Proc, readyLine *regexp.Regexp, args ...string) (*child, error) {
	log, err := os.OpenFile(rec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = rec.Dir
	cmd.Env = childEnv()
	cmd.Stderr = log
	cmd.SysProcAttr = childAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", rec.Name, err)
	}
	rec.PID, rec.Started = cmd.Process.Pid, time.Now().UTC()
	c := &child{rec: rec, cmd: cmd, done: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		c.scan(out, log, readyLine)
	}()
	go func() {
		<-copied // Wait closes the pipe: read it all first
		c.err = cmd.Wait()
		log.Close()
		close(c.done)
	}()
	return c, nil
}

// scan copies the child's standard output to its log and notes its
// addresses, dashboard and readiness.
func (c *child) scan(r io.Reader, log io.Writer, readyLine *regexp.Regexp) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(log, line)
		c.mu.Lock()
		if m := listenRE.FindStringSubmatch(line); m != nil {
			c.addrs = append(c.addrs, m[1])
		}
		if m := dashRE.FindStringSubmatch(line); m != nil {
			c.dash = m[1]
		}
		if readyLine.MatchString(line) {
			c.ready = true
		}
		c.mu.Unlock()
	}
	io.Copy(log, r)
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// started reports whether the child printed its ready line; an error if
// it exited first.
func (c *child) started() error {
	if c.exited() {
		return final{fmt.Errorf("%s exited while starting: %v%s", c.rec.Name, c.err, lastError(c.rec.Log))}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready {
		return fmt.Errorf("%s (pid %d) is starting", c.rec.Name, c.rec.PID)
	}
	return nil
}

// record is the child's Proc as of now.
func (c *child) record() Proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.rec
	p.Addrs = append([]string(nil), c.addrs...)
	p.Dashboard = c.dash
	if c.exited() {
		p.Stopped = c.stopped
		if !c.stopped && c.err != nil {
			p.Exit = c.err.Error()
		} else if !c.stopped {
			p.Exit = "exit status 0"
		}
	}
	return p
}

// stop sends SIGTERM and waits up to grace for the child, then kills it.
func (c *child) stop(grace time.Duration) {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// lastError is the last "scatterbytes: ..." line of a log (what the
// command said when it failed), as ": LINE", or where to look.
func lastError(log string) string {
	b, err := os.ReadFile(log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-20; i-- {
		if strings.HasPrefix(lines[i], "scatterbytes: ") {
			return ": " + lines[i]
		}
	}
	return " (see " + filepath.Base(filepath.Dir(log)) + "/" + filepath.Base(log) + ")"
}

// childEnv is the supervisor's environment without SCATTERBYTES_*
// variables: every setting of a child is on its command line, and a
// user's SCATTERBYTES_NETWORK (say, from a sourced testnet env file) must
// not point a child elsewhere.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SCATTERBYTES_") {
			env = append(env, kv)
		}
	}
	return env
}
