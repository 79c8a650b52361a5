package procnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// StateFile is the state file's name in the testnet directory.
const StateFile = "testnet.json"

// Roles of a child.
const (
	RoleCoordinator = "coordinator"
	RoleNode        = "node"
	RoleBtcd        = "btcd"
)

// State is the content of StateFile.
type State struct {
	Dir        string    `json:"dir"`
	Supervisor int       `json:"supervisor_pid"`
	Started    time.Time `json:"started"`
	Stopped    time.Time `json:"stopped,omitzero"` // set when the supervisor ended
	Binary     string    `json:"binary"`           // DIR/bin/scatterbytes
	Profile    string    `json:"profile"`          // DIR/network.json
	ClientDir  string    `json:"client_dir"`
	Epoch      string    `json:"epoch"`
	Redundancy string    `json:"redundancy"`
	Bitcoin    *BtcState `json:"bitcoin,omitempty"`
	Procs      []Proc    `json:"processes"`
}

// BtcState is where btcd's RPC is, with --btc.
type BtcState struct {
	RPC      string `json:"rpc"`
	User     string `json:"user"`
	PassFile string `json:"pass_file"`
	Funding  string `json:"coordinator_address"`
}

// Proc is one child process.
type Proc struct {
	Role      string    `json:"role"`
	Name      string    `json:"name"` // coordinator, node01, ...
	PID       int       `json:"pid"`
	Peer      string    `json:"peer,omitempty"`
	Dir       string    `json:"dir"`
	Log       string    `json:"log"`
	Addrs     []string  `json:"addrs,omitempty"`
	Dashboard string    `json:"dashboard,omitempty"`
	Payout    string    `json:"payout,omitempty"`
	Started   time.Time `json:"started"`
	Exited    time.Time `json:"exited,omitzero"`
	// Exit is how the process ended ("signal: killed", "exit status 1"),
	// empty while it runs or when it stopped as asked.
	Exit string `json:"exit,omitempty"`
	// Stopped says the supervisor stopped it (not a crash).
	Stopped bool `json:"stopped,omitempty"`
}

// ErrNoTestnet means the directory holds no testnet state.
var ErrNoTestnet = errors.New("no testnet in this directory")

// ReadState reads dir's state file.
func ReadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no %s (start one with `scatterbytes testnet up --testnet-dir %s`)", ErrNoTestnet, dir, StateFile, dir)
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, StateFile), err)
	}
	return &s, nil
}

func (s *State) write() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(s.Dir, StateFile), append(b, '\n'), 0o644)
}

// Find returns the process named name ("node03", "3", a peer ID or a PID).
func (s *State) Find(name string) (*Proc, error) {
	for i := range s.Procs {
		p := &s.Procs[i]
		if p.Name == name || p.Peer == name || strconv.Itoa(p.PID) == name {
			return p, nil
		}
		if n, err := strconv.Atoi(name); err == nil && p.Role == RoleNode && p.Name == nodeName(n) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no process %q in the testnet (see `scatterbytes testnet status`)", name)
}

// nodeName names the i-th node.
func nodeName(i int) string { return fmt.Sprintf("node%02d", i) }

// Alive reports whether p's process runs: its PID is live and its command
// line holds its directory (a PID reused by another program is not it).
func (p *Proc) Alive() bool { return ownedAlive(p.PID, p.Dir) }

// SupervisorAlive reports whether the supervisor process runs.
func (s *State) SupervisorAlive() bool {
	return ownedAlive(s.Supervisor, "testnet") || ownedAlive(s.Supervisor, "demo")
}

func ownedAlive(pid int, mark string) bool {
	if pid <= 1 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	cl, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) // no /proc: trust the PID
	}
	if isZombie(pid) {
		return false
	}
	return bytes.Contains(cl, []byte(mark))
}

// isZombie reports whether pid has exited but not been waited for.
func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

// Kill sends SIGKILL to p if it is alive.
func (p *Proc) Kill() error {
	if !p.Alive() {
		return fmt.Errorf("%s (pid %d) is not running", p.Name, p.PID)
	}
	return syscall.Kill(p.PID, syscall.SIGKILL)
}
