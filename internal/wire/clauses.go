package wire

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// clauses are the caps written in a .proto comment; see doc.go.
type clauses struct {
	required           bool
	maxBytes, minBytes uint64
	maxItems, maxValue uint64
}

var capClause = regexp.MustCompile(`^(max|min) (\S+)( bytes| items)?$`)

// parse reads the ";"-separated clauses of comment. A clause that starts
// with "required", "max" or "min" must be exactly one of doc.go's forms,
// so a typo in a cap fails rather than being read as free text.
func (c *clauses) parse(comment string) error {
	for _, cl := range strings.Split(comment, ";") {
		cl = strings.TrimSpace(cl)
		first, _, _ := strings.Cut(cl, " ")
		if strings.HasPrefix(cl, "required") {
			first = "required"
		}
		switch first {
		case "required":
			if cl != "required" || c.required {
				return fmt.Errorf("bad clause %q", cl)
			}
			c.required = true
			continue
		case "max", "min":
		default:
			continue // free text
		}
		m := capClause.FindStringSubmatch(cl)
		if m == nil {
			return fmt.Errorf("bad clause %q", cl)
		}
		n, err := parseNum(m[2])
		if err != nil {
			return fmt.Errorf("clause %q: %w", cl, err)
		}
		if err := c.set(m[1]+m[3], n); err != nil {
			return fmt.Errorf("clause %q: %w", cl, err)
		}
	}
	return nil
}

func (c *clauses) set(what string, n uint64) error {
	var p *uint64
	switch what {
	case "max bytes":
		p = &c.maxBytes
	case "min bytes":
		p = &c.minBytes
	case "max items":
		p = &c.maxItems
	case "max":
		p = &c.maxValue
	default:
		return fmt.Errorf("not a cap")
	}
	if *p != 0 || n == 0 {
		return fmt.Errorf("given twice, or zero")
	}
	*p = n
	return nil
}

// parseNum reads N, 2^K or 2^K-1.
func parseNum(s string) (uint64, error) {
	exp, ok := strings.CutPrefix(s, "2^")
	if !ok {
		return strconv.ParseUint(s, 10, 64)
	}
	exp, minus := strings.CutSuffix(exp, "-1")
	k, err := strconv.ParseUint(exp, 10, 64)
	if err != nil || k > 63 || (k == 0 && minus) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	n := uint64(1) << k
	if minus {
		n--
	}
	return n, nil
}
