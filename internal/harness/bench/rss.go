package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// peakRSS returns process pid's peak resident bytes since it started or
// since resetPeakRSS (VmHWM in /proc/PID/status), or 0 where /proc cannot
// tell.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

// currentRSS returns process pid's resident bytes now (VmRSS).
func currentRSS(pid int) int64 { return procStatus(pid, "VmRSS:") }

// resetPeakRSS starts pid's peak RSS afresh from its current RSS (Linux
// 4.0 and later: writing 5 to clear_refs), so that peakRSS after a phase
// is the peak of that phase. It reports whether the kernel took it.
func resetPeakRSS(pid int) bool {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0) == nil
}

func procStatus(pid int, field string) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), field)
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// rssMeter reads the peak RSS of a set of processes over a phase.
type rssMeter struct{ pids []int }

func (m rssMeter) Start() {
	for _, p := range m.pids {
		resetPeakRSS(p)
	}
}

// Stop returns each process's peak RSS since Start.
func (m rssMeter) Stop() []int64 {
	out := make([]int64, len(m.pids))
	for i, p := range m.pids {
		out[i] = peakRSS(p)
	}
	return out
}
