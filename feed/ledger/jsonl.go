package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// jsonRecord is the form of a Record in an export: one JSON object per
// line, times in RFC 3339, so an export can be read, diffed and merged with
// ordinary tools.
type jsonRecord struct {
	ID        string    `json:"id"`
	FirstSeen time.Time `json:"first_seen"`
	Hash      string    `json:"hash"`
	Changed   time.Time `json:"changed"`
}

// WriteJSONL exports every record of l to w as JSON Lines, sorted by id,
// and returns how many it wrote.
func WriteJSONL(ctx context.Context, w io.Writer, l Ledger) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	var line []byte
	n := 0
	err := l.Export(ctx, func(r Record) error {
		n++
		var ok bool
		if line, ok = appendJSONLine(line[:0], r); ok {
			_, err := bw.Write(line)
			return err
		}
		return encodeJSONLine(enc, r)
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// WriteRecords writes recs to w as JSON Lines, in the form WriteJSONL
// writes and in their order: the lines a build appends to an export for the
// records it wrote.
func WriteRecords(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := encodeJSONLine(enc, r); err != nil {
			return fmt.Errorf("export %q: %w", r.ID, err)
		}
	}
	return nil
}

func encodeJSONLine(enc *json.Encoder, r Record) error {
	return enc.Encode(jsonRecord{ID: r.ID, FirstSeen: r.FirstSeen.UTC(), Hash: r.Hash, Changed: r.Changed.UTC()})
}

// appendJSONLine appends the line encodeJSONLine writes for r to b,
// without reflection: a build of a new archive exports every record.
// It handles the records ledgers hold (ids and hashes of printable
// ASCII with nothing JSON or HTML escapes, times in years 0 to 9999),
// and reports false, with b unchanged, for any other, which
// encodeJSONLine writes instead.
func appendJSONLine(b []byte, r Record) ([]byte, bool) {
	first, changed := r.FirstSeen.UTC(), r.Changed.UTC()
	if !plainJSON(r.ID) || !plainJSON(r.Hash) || !jsonYear(first) || !jsonYear(changed) {
		return b, false
	}
	b = append(b, `{"id":"`...)
	b = append(b, r.ID...)
	b = append(b, `","first_seen":"`...)
	b = first.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","hash":"`...)
	b = append(b, r.Hash...)
	b = append(b, `","changed":"`...)
	b = changed.AppendFormat(b, time.RFC3339Nano)
	return append(b, "\"}\n"...), true
}

// plainJSON reports whether encoding/json writes s as it is, between
// quotes: printable ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7F, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// jsonYear reports whether t is in the years time.Time.MarshalJSON
// accepts.
func jsonYear(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

// ReadJSONL reads records written by WriteJSONL. An unreadable line is an
// error naming it: an import takes all records or none.
func ReadJSONL(r io.Reader) ([]Record, error) {
	var out []Record
	err := scanJSONL(r, func(line int, b []byte) error {
		rec, err := decodeJSONLine(b)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadJSONLReadable reads what it can of a possibly damaged or hand-merged
// export: it skips blank lines, the marker lines of a version control
// merge conflict (so both sides' records are kept, and merged by Import),
// and lines that do not decode, which it returns as errors naming them.
// err is set only when r itself fails.
func ReadJSONLReadable(r io.Reader) (recs []Record, bad []error, err error) {
	err = scanJSONL(r, func(line int, b []byte) error {
		if isConflictMarker(b) {
			return nil
		}
		rec, err := decodeJSONLine(b)
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", line, err))
			return nil
		}
		recs = append(recs, rec)
		return nil
	})
	return recs, bad, err
}

// isConflictMarker reports whether b is a line git (or diff3) writes
// around the sides of a merge conflict.
func isConflictMarker(b []byte) bool {
	for _, m := range []string{"<<<<<<<", "|||||||", "=======", ">>>>>>>"} {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

// scanJSONL calls fn with every non-blank line of r and its number.
func scanJSONL(r io.Reader, fn func(line int, b []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4*MaxIDLen)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimRight(sc.Bytes(), "\r")
		if len(b) == 0 {
			continue
		}
		if err := fn(line, b); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than a record can be: %w", line+1, err)
		}
		return err
	}
	return nil
}

// decodeJSONLine parses one line of an export.
func decodeJSONLine(b []byte) (Record, error) {
	var jr jsonRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		return Record{}, err
	}
	if jr.ID == "" || jr.FirstSeen.IsZero() {
		return Record{}, fmt.Errorf("a record needs id and first_seen: %w", ErrInvalid)
	}
	if jr.Changed.IsZero() {
		jr.Changed = jr.FirstSeen
	}
	return Record{ID: jr.ID, FirstSeen: jr.FirstSeen.UTC(), Hash: jr.Hash, Changed: jr.Changed.UTC()}, nil
}
