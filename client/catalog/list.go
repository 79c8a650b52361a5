package catalog

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/syndtr/goleveldb/leveldb/util"
)

// List returns the entries of volume sorted by name; an unknown volume
// has none.
func (c *Catalog) List(ctx context.Context, volume string) ([]Entry, error) {
	if err := checkVolume(volume); err != nil {
		return nil, fmt.Errorf("catalog list: %w", err)
	}
	var out []Entry
	err := c.scan(ctx, c.ix.volumePrefix(volume), func(e Entry) {
		if e.Volume == volume {
			out = append(out, e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("catalog list volume %q: %w", volume, err)
	}
	sortEntries(out)
	return out, nil
}

// Find returns the entries whose "volume/name" matches pattern (see
// path.Match), sorted by volume, then name. A malformed pattern is
// path.ErrBadPattern. A pattern whose volume part has no wildcard reads
// only that volume.
func (c *Catalog) Find(ctx context.Context, pattern string) ([]Entry, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("catalog find %q: %w", pattern, err)
	}
	prefix := entryPrefix
	if vol, _, ok := strings.Cut(pattern, "/"); ok && !strings.ContainsAny(vol, `*?[\`) && checkVolume(vol) == nil {
		prefix = c.ix.volumePrefix(vol)
	}
	var out []Entry
	err := c.scan(ctx, prefix, func(e Entry) {
		if ok, _ := path.Match(pattern, e.Volume+"/"+e.Name); ok {
			out = append(out, e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("catalog find %q: %w", pattern, err)
	}
	sortEntries(out)
	return out, nil
}

// Volumes returns the names of the volumes holding at least one entry,
// sorted. It opens one entry per volume and seeks past the rest.
func (c *Catalog) Volumes(ctx context.Context) ([]string, error) {
	it := c.db.NewIterator(util.BytesPrefix(entryPrefix), nil)
	defer it.Release()
	var out []string
	for ok := it.First(); ok; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e, err := c.openEntry(it.Key(), it.Value())
		if err != nil {
			return nil, fmt.Errorf("catalog volumes: %w", err)
		}
		out = append(out, e.Volume)
		next := util.BytesPrefix(c.ix.volumePrefix(e.Volume)).Limit
		ok = it.Seek(next)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("catalog volumes: %w", err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// scan opens every entry under prefix and hands it to f.
func (c *Catalog) scan(ctx context.Context, prefix []byte, f func(Entry)) error {
	it := c.db.NewIterator(util.BytesPrefix(prefix), nil)
	defer it.Release()
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := c.openEntry(it.Key(), it.Value())
		if err != nil {
			return err
		}
		f(e)
	}
	return it.Error()
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		return cmp.Or(strings.Compare(a.Volume, b.Volume), strings.Compare(a.Name, b.Name))
	})
}
