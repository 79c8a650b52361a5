package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
	"github.com/scatterbytes/scatterbytes/store"
)

// ErrNotHandedOver means an exit ended with chunks that no other node
// has proved to hold: the node must not leave yet. Run the exit again; it
// re-does only what is missing.
var ErrNotHandedOver = errors.New("chunks not handed over")

const (
	// exitRounds bounds the handovers of one Exit: a new holder that does
	// not prove in time has its chunks handed to another node, at most
	// exitRounds-1 times.
	exitRounds = 3
	// exitPatience is how many epochs past the first one that began after
	// the handover a new holder has to prove: a proof of epoch e is taken
	// until e+1 ends.
	exitPatience = 2
	// exitAskFor is how long an exit keeps asking a coordinator it cannot
	// reach (the node has just started, or the coordinator blinked)
	// before it gives up.
	exitAskFor = time.Minute
)

// exitPatienceMin is the least time a new holder has to prove, whatever
// its epochs: epochs of a second (a test network) are shorter than a
// loaded machine's pauses. A variable for tests.
var exitPatienceMin = 30 * time.Second

// ExitOptions tune Exit.
type ExitOptions struct {
	// Progress, if set, is told how the exit goes, on Exit's goroutine.
	Progress func(ExitProgress)
}

// ExitProgress is how far an exit is.
type ExitProgress struct {
	Round int
	// Handing over: of the Held chunks this round works on (known when
	// it starts), Checked were found held elsewhere or sent. Sent of them
	// (SentBytes) were sent, of ToSend (SendBytes) found to need it so far:
	// those grow as the exit locates the chunks, a batch at a time.
	Checked, Held        int
	Sent, ToSend         int
	SentBytes, SendBytes int64
	// Proving: the chunks whose holder has proved an epoch after After,
	// of ToProve; Epoch is the coordinator's.
	Proven, ToProve int
	After, Epoch    uint64
}

// Handover is where one chunk went.
type Handover struct {
	Chunk cid.Cid
	Size  int64
	To    peer.ID // the holder whose proof the exit waited for
	Sent  bool    // sent by this exit; false: found there (a resumed exit)
	// Proven is the last epoch To had proved when the exit saw it: one
	// that began after the chunk was there.
	Proven uint64
}

// ExitReport is what Exit did.
type ExitReport struct {
	// Held and HeldBytes count the chunks the node held under a live
	// order: what the exit hands over.
	Held      int
	HeldBytes int64
	// Left counts the chunks held under no live order (expired, or none
	// that decodes): nobody pays for them, and they stay behind.
	Left int
	// Sent and SentBytes count what this exit sent (a chunk sent again
	// after its first new holder failed to prove counts twice); Found the
	// chunks it found held elsewhere already.
	Sent      int
	SentBytes int64
	Found     int
	Rounds    int
	// Epoch is the coordinator's epoch once the last copy had landed:
	// every holder in Handovers has proved a later one.
	Epoch     uint64
	Handovers []Handover
}

// pending is a chunk on its way to another node: it is handed over once
// one node of to proves an epoch that began after it was there.
type pending struct {
	id   cid.Cid
	size int64
	to   []peer.ID
	sent bool
}

// Exit hands every chunk the node holds over to other nodes and waits
// until each is proven there; see the package doc, "Exit". Call it while
// Run runs: the node keeps serving and proving throughout. From the call
// on the node takes no new chunks for as long as it runs. It returns nil
// once the node may leave; on an error the report says what was done,
// and calling Exit again (in this run or after a restart) re-does only
// what is missing.
func (s *Storage) Exit(ctx context.Context, opts ExitOptions) (ExitReport, error) {
	s.leaving.Store(true)
	if opts.Progress == nil {
		opts.Progress = func(ExitProgress) {}
	}
	var rep ExitReport
	u, err := s.st.Usage(ctx)
	if err != nil {
		return rep, err
	}
	// Holders that failed to prove a chunk in time, by chunk: the next
	// round neither counts them nor sends to them.
	distrust := map[cid.Cid]map[peer.ID]bool{}
	var todo map[cid.Cid]bool // the chunks this round hands over; nil: all
	for round := 1; ; round++ {
		rep.Rounds = round
		held := len(todo)
		if todo == nil {
			held = int(u.Chunks)
		}
		ps, err := s.handOver(ctx, &rep, todo, held, distrust, opts.Progress)
		if err != nil {
			return rep, err
		}
		if round == 1 {
			rep.Held = len(ps)
			for _, p := range ps {
				rep.HeldBytes += p.size
			}
			rep.Left = max(int(u.Chunks)-rep.Held, 0)
		}
		late, err := s.awaitProofs(ctx, &rep, ps, opts.Progress)
		if err != nil {
			return rep, err
		}
		if len(late) == 0 {
			for _, h := range rep.Handovers {
				if !h.Sent {
					rep.Found++
				}
			}
			s.log.Info("exit: every chunk proven elsewhere", "chunks", rep.Held, "bytes", rep.HeldBytes, "sent", rep.Sent, "epoch", rep.Epoch)
			return rep, nil
		}
		if round == exitRounds {
			return rep, fmt.Errorf("%w: %d chunks have no holder that proved them by epoch %d, after %d rounds", ErrNotHandedOver, len(late), rep.Epoch+1+exitPatience, round)
		}
		todo = distrustLate(late, distrust)
		s.log.Warn("exit: new holders did not prove in time; handing their chunks to others", "chunks", len(late), "round", round+1)
	}
}

// distrustLate adds the holders of the late chunks to distrust and
// returns the late chunks.
func distrustLate(late []*pending, distrust map[cid.Cid]map[peer.ID]bool) map[cid.Cid]bool {
	todo := map[cid.Cid]bool{}
	for _, p := range late {
		todo[p.id] = true
		if distrust[p.id] == nil {
			distrust[p.id] = map[peer.ID]bool{}
		}
		for _, h := range p.to {
			distrust[p.id][h] = true
		}
	}
	return todo
}

// handOver finds, for every chunk the node holds (of todo, unless nil),
// the other nodes that hold it, and sends it to a new node where there is
// none (copies: where the others are fewer than the copies kept). It
// returns each chunk with the nodes that are to prove it. It works a
// batch of groups at a time (eachGroups), located and then sent, so that
// it holds one batch in memory, not every group the node holds; the
// progress's ToSend and SendBytes grow as batches are located.
func (s *Storage) handOver(ctx context.Context, rep *ExitReport, todo map[cid.Cid]bool, held int, distrust map[cid.Cid]map[peer.ID]bool, progress func(ExitProgress)) ([]*pending, error) {
	st, err := s.exitStandings(ctx)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	pr := ExitProgress{Round: rep.Rounds, Held: held}
	progress(pr)
	var out []*pending
	found := 0
	err = eachGroups(ctx, s.st, func(gs []*group, read int) error {
		if todo != nil {
			gs = slices.DeleteFunc(gs, func(g *group) bool {
				return !slices.ContainsFunc(g.mine, func(id cid.Cid) bool { return todo[id] })
			})
			read = 0
			for _, g := range gs {
				for _, id := range g.mine {
					if todo[id] {
						read++
					}
				}
			}
		}
		if err := s.locateAll(ctx, gs, st); err != nil {
			return err
		}
		elsewhere, sends := planHandover(gs, s.n.ID(), todo, distrust)
		out, found = append(out, elsewhere...), found+len(elsewhere)
		checked := read
		for _, sd := range sends {
			pr.ToSend += len(sd.ids)
			pr.SendBytes += int64(len(sd.ids)) * sd.g.order.Size
			checked -= len(sd.ids)
		}
		pr.Checked = min(pr.Checked+checked, pr.Held)
		progress(pr)
		for _, sd := range sends {
			ps, err := s.sendOver(ctx, st, sd, distrust)
			if err != nil {
				return err
			}
			out = append(out, ps...)
			n := int64(len(sd.ids)) * sd.g.order.Size
			rep.Sent, rep.SentBytes = rep.Sent+len(sd.ids), rep.SentBytes+n
			pr.Sent, pr.SentBytes = pr.Sent+len(sd.ids), pr.SentBytes+n
			pr.Checked = min(pr.Checked+len(sd.ids), pr.Held)
			progress(pr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pr.Checked = pr.Held // chunks that came or went meanwhile
	progress(pr)
	s.log.Info("exit: chunks handed over", "held elsewhere", found, "sent", pr.Sent, "took", time.Since(t0))
	return out, nil
}

// toSend is what an exit sends of one group.
type toSend struct {
	g   *group
	ids []cid.Cid
}

// planHandover returns, of the located groups gs, the chunks this node
// (self) holds (of todo, unless nil) that are held elsewhere already,
// with their holders, and those to send.
func planHandover(gs []*group, self peer.ID, todo map[cid.Cid]bool, distrust map[cid.Cid]map[peer.ID]bool) ([]*pending, []toSend) {
	var found []*pending
	var sends []toSend
	for _, g := range gs {
		var ids []cid.Cid
		for _, id := range g.mine {
			if todo != nil && !todo[id] {
				continue
			}
			others := g.othersOf(id, self, distrust[id])
			if (g.copies && len(others) < g.target()) || len(others) == 0 {
				ids = append(ids, id)
				continue
			}
			found = append(found, &pending{id: id, size: g.order.Size, to: others})
		}
		if len(ids) > 0 {
			sends = append(sends, toSend{g, ids})
		}
	}
	return found, sends
}

// sendOver reads sd's chunks (hash-checked) and places each on a node
// that holds no part of the group and is not distrusted with it.
func (s *Storage) sendOver(ctx context.Context, st *standing.Standings, sd toSend, distrust map[cid.Cid]map[peer.ID]bool) ([]*pending, error) {
	datas := make([][]byte, len(sd.ids))
	for j, id := range sd.ids {
		var err error
		if datas[j], err = s.readOwn(ctx, id); err != nil {
			if errors.Is(err, store.ErrMismatch) {
				return nil, fmt.Errorf("%w: %w (`scatterbytes node scrub` quarantines it; an exit then leaves it to the stripe's repair)", ErrNotHandedOver, err)
			}
			return nil, fmt.Errorf("read chunk %s to hand it over: %w", id, err)
		}
	}
	exclude := sd.g.exclusion(s.n.ID())
	for _, id := range sd.ids {
		for p := range distrust[id] {
			exclude[p] = true
		}
	}
	holders, err := s.move.place(ctx, sd.g.order, st, sd.ids, datas, exclude)
	if err != nil {
		return nil, fmt.Errorf("hand over chunks of the stripe of %s, passing over the %d other nodes that hold a part of it: %w", sd.g.members[0], len(exclude)-1, err)
	}
	out := make([]*pending, len(sd.ids))
	for j, id := range sd.ids {
		// A holder that was late before still counts if it proves now.
		to := []peer.ID{holders[j]}
		for p := range distrust[id] {
			to = append(to, p)
		}
		out[j] = &pending{id: id, size: sd.g.order.Size, to: to, sent: true}
		s.log.Info("exit: chunk handed over", "chunk", id, "to", holders[j])
	}
	return out, nil
}

// othersOf returns the healthy holders of member id other than self and
// the distrusted (locate found them).
func (g *group) othersOf(id cid.Cid, self peer.ID, distrusted map[peer.ID]bool) []peer.ID {
	var out []peer.ID
	for i, m := range g.members {
		if !m.Equals(id) {
			continue
		}
		for _, p := range g.holders[i] {
			if p != self && !distrusted[p] {
				out = append(out, p)
			}
		}
	}
	return out
}

// awaitProofs waits until every chunk of ps has a holder in good standing
// that proved an epoch which began after every copy had landed (that
// proof carries the holder's commitment to the chunk, which the
// coordinator recorded, and the chunk is challenged from the next epoch
// on), and adds those to the report's Handovers. It returns the chunks
// whose holders had not by exitPatience epochs (and exitPatienceMin)
// later.
func (s *Storage) awaitProofs(ctx context.Context, rep *ExitReport, ps []*pending, progress func(ExitProgress)) ([]*pending, error) {
	// The epoch after every copy landed: asked of the coordinator now.
	st, err := s.exitStandings(ctx)
	if err != nil {
		return nil, err
	}
	after := st.Epoch
	rep.Epoch = after
	proven := map[peer.ID]uint64{} // holder → the epoch it had proved, once past after
	pr := ExitProgress{Round: rep.Rounds, ToProve: len(ps), After: after, Epoch: after}
	every := pollEvery(time.Duration(s.n.Profile().Epoch))
	began, warned := time.Now(), false
	for {
		epoch, err := s.askHolders(ctx, ps, after, proven)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil && !warned:
			s.log.Warn("exit: cannot ask the coordinator whether the new holders proved; asking again", "err", err)
			warned = true
		}
		pr.Epoch = max(pr.Epoch, epoch)
		var late []*pending
		pr.Proven = 0
		for _, p := range ps {
			if h := firstProven(p.to, proven); h != "" {
				pr.Proven++
				continue
			}
			late = append(late, p)
		}
		progress(pr)
		if len(late) == 0 || pr.Epoch > after+1+exitPatience && time.Since(began) >= exitPatienceMin {
			for _, p := range ps {
				if h := firstProven(p.to, proven); h != "" {
					rep.Handovers = append(rep.Handovers, Handover{Chunk: p.id, Size: p.size, To: h, Sent: p.sent, Proven: proven[h]})
				}
			}
			return late, nil
		}
		if !wait.Sleep(ctx, every) {
			return nil, ctx.Err()
		}
	}
}

// askHolders asks the coordinator for the record of every holder in ps
// not in proven yet, adds those in good standing that proved an epoch
// past after, and returns the coordinator's epoch and the last failure
// to ask (a holder it has never seen prove is no failure).
func (s *Storage) askHolders(ctx context.Context, ps []*pending, after uint64, proven map[peer.ID]uint64) (uint64, error) {
	var epoch uint64
	var failed error
	asked := map[peer.ID]bool{}
	for _, p := range ps {
		for _, h := range p.to {
			if _, ok := proven[h]; ok || asked[h] || ctx.Err() != nil {
				continue
			}
			asked[h] = true
			r, e, err := s.askNode(ctx, h)
			epoch = max(epoch, e)
			switch {
			case errors.Is(err, standing.ErrRefused): // never seen prove: new to the coordinator
			case err != nil:
				failed = err
			case r.LastEpoch > after && !excluded(r.State):
				proven[h] = r.LastEpoch
			}
		}
	}
	return epoch, failed
}

// exitStandings asks the coordinator for the standings, again every
// second for up to exitAskFor while it cannot be reached.
func (s *Storage) exitStandings(ctx context.Context) (*standing.Standings, error) {
	give := time.Now().Add(exitAskFor)
	for {
		st, err := s.move.standings(ctx)
		if err == nil || ctx.Err() != nil || errors.Is(err, standing.ErrRefused) || time.Now().After(give) {
			return st, err
		}
		if !wait.Sleep(ctx, time.Second) {
			return nil, ctx.Err()
		}
	}
}

func firstProven(hs []peer.ID, proven map[peer.ID]uint64) peer.ID {
	for _, h := range hs {
		if _, ok := proven[h]; ok {
			return h
		}
	}
	return ""
}

// excluded reports whether a NODE answer's state is one placement passes
// over (suspended, disqualified); a state it does not know is not.
func excluded(state string) bool {
	s, err := standing.ParseState(state)
	return err == nil && s.Excluded()
}

// pollEvery is how often an exit asks whether the new holders proved: an
// eighth of an epoch, between 50 ms and 30 s.
func pollEvery(epoch time.Duration) time.Duration {
	return min(max(epoch/8, 50*time.Millisecond), 30*time.Second)
}
