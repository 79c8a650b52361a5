package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/internal/offheap"
)

// readAtChunk bounds the memory a ranged get holds at once.
const readAtChunk = 4 << 20

// getWriteBuffer is the output file's write buffer: two halves, one
// written while the other fills.
const getWriteBuffer = 4 << 20

func getCmd() *cobra.Command {
	var volume, rangeFlag string
	cmd := &cobra.Command{
		Use:   "get REF|NAME OUT",
		Short: "Fetch, check and decrypt a file by reference or catalog name",
		Long: `get fetches the file a reference (sb1...) or a catalog name in --volume
points to, checks every byte and writes the plaintext to OUT ("-" for standard
output; a directory means the file's own name inside it).

OUT is written as OUT.partial (readable by you only) and renamed into place
only once the whole file has been read and authenticated: a wrong key,
altered data or a failure leaves no OUT and no partial file behind.

--range OFF:LEN reads LEN bytes from offset OFF; both take an optional K, M,
G or T suffix (powers of 1024), and an empty LEN reads to the end.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var rg byteRange
			if rangeFlag != "" {
				var err error
				if rg, err = parseRange(rangeFlag); err != nil {
					return usageError{fmt.Errorf("--range %q: %w", rangeFlag, err)}
				}
			}
			if args[1] != "-" {
				if err := checkOut(args[1]); err != nil {
					return err
				}
			}
			c, err := openReader(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			ref, err := resolve(ctx, c, volume, args[0])
			if err != nil {
				return err
			}
			f, err := c.Open(ctx, ref)
			if err != nil {
				return err
			}
			defer f.Close()
			if rangeFlag == "" {
				rg = byteRange{off: 0, n: f.Size()}
			} else if rg, err = rg.within(f.Size()); err != nil {
				return err
			}
			bar := newProgress(cmd.ErrOrStderr(), rg.n, "get "+filepath.Base(f.Manifest().Name))
			defer bar.Done()
			copyOut := func(w io.Writer) error {
				w = countingWriter{w: w, p: bar}
				if rangeFlag == "" {
					_, err := f.WriteTo(w)
					return err
				}
				return copyRange(w, f, rg)
			}
			if args[1] == "-" {
				return copyOut(cmd.OutOrStdout())
			}
			dest, err := outPath(args[1], f.Manifest().Name)
			if err != nil {
				return err
			}
			if err := writeFileAtomic(dest, copyOut); err != nil {
				return err
			}
			bar.Done()
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%s)\n", dest, sizeString(rg.n))
			return nil
		},
	}
	volumeFlag(cmd, &volume)
	cmd.Flags().StringVar(&rangeFlag, "range", "", "read only OFF:LEN bytes (e.g. 1M:64K; OFF: reads to the end)")
	addClientFlags(cmd)
	return cmd
}

// resolve is client.Resolve, except that an argument that looks like a
// reference but does not parse reports why, rather than "no such name".
func resolve(ctx context.Context, c *client.Client, volume, arg string) (manifest.Ref, error) {
	ref, err := c.Resolve(ctx, volume, arg)
	if errors.Is(err, client.ErrNotFound) && strings.HasPrefix(arg, manifest.RefPrefix) {
		if _, perr := manifest.ParseRef(arg); perr != nil {
			return ref, perr
		}
	}
	return ref, err
}

// checkOut refuses, before anything is fetched, an OUT that cannot be
// written for want of its directory.
func checkOut(out string) error {
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		return nil
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Errorf("cannot write %s: there is no directory %s", out, dir)}
	}
	return nil
}

// outPath is where get writes: out itself, or the file's own name inside
// out when out is a directory.
func outPath(out, stored string) (string, error) {
	st, err := os.Stat(out)
	if err != nil || !st.IsDir() {
		return out, nil
	}
	base := filepath.Base(filepath.FromSlash(stored))
	if base == "." || base == ".." || base == string(filepath.Separator) || stored == "" {
		return "", usageError{fmt.Errorf("%s is a directory and the stored file has no usable name: give OUT a file name", out)}
	}
	return filepath.Join(out, base), nil
}

// writeFileAtomic has write fill dest.partial (mode 0600) and renames it
// to dest only if write and the sync succeed; otherwise it removes it.
func writeFileAtomic(dest string, write func(io.Writer) error) (err error) {
	partial := dest + ".partial"
	if err := os.Remove(partial); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	fh, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(partial)
		}
	}()
	// The file goes to disk without the page cache where the file system
	// allows: copying it into fresh cache pages cost the download more CPU
	// than decrypting it (internal/directio).
	var bufs offheap.Buffers
	defer bufs.Free()
	w := directio.NewWriter(fh, bufs.Alloc(getWriteBuffer))
	if err = write(w); err != nil {
		w.Abort() // the partial file is removed; only wait for the write in flight
	} else {
		err = w.Flush()
	}
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(partial, dest)
}

// copyRange writes rg of f to w a bounded chunk at a time.
func copyRange(w io.Writer, f *client.File, rg byteRange) error {
	buf := make([]byte, min(rg.n, readAtChunk))
	for off, end := rg.off, rg.off+rg.n; off < end; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// byteRange is the --range of get; n < 0 means to the end.
type byteRange struct{ off, n int64 }

// parseRange parses "OFF:LEN" (LEN may be empty).
func parseRange(s string) (byteRange, error) {
	o, l, ok := strings.Cut(s, ":")
	if !ok {
		return byteRange{}, errors.New("want OFF:LEN, e.g. 0:1M or 4K: for everything from 4 KiB on")
	}
	off, err := parseBytes(o)
	if err != nil {
		return byteRange{}, fmt.Errorf("offset: %w", err)
	}
	if l == "" {
		return byteRange{off: off, n: -1}, nil
	}
	n, err := parseBytes(l)
	if err != nil {
		return byteRange{}, fmt.Errorf("length: %w", err)
	}
	return byteRange{off: off, n: n}, nil
}

// within clips r to a file of size bytes; an offset past the end is an error.
func (r byteRange) within(size int64) (byteRange, error) {
	if r.off > size {
		return r, fmt.Errorf("%w: offset %d is past the end of the file (%d bytes)", stream.ErrRange, r.off, size)
	}
	if r.n < 0 || r.n > size-r.off {
		r.n = size - r.off
	}
	return r, nil
}

// parseBytes parses a byte count with an optional K, M, G or T suffix
// (powers of 1024, case-insensitive, optionally followed by "iB" or "B").
func parseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	shift := 0
	if t != "" {
		if i := strings.IndexByte("kmgt", t[len(t)-1]); i >= 0 {
			shift = 10 * (i + 1)
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a byte count (like 4096, 64K or 1M)", s)
	}
	if n > (1<<63-1)>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << shift, nil
}
