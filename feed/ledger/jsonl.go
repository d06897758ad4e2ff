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
	n := 0
	err := l.Export(ctx, func(r Record) error {
		n++
		return enc.Encode(jsonRecord{ID: r.ID, FirstSeen: r.FirstSeen.UTC(), Hash: r.Hash, Changed: r.Changed.UTC()})
	})
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// ReadJSONL reads records written by WriteJSONL. An unreadable line is an
// error naming it: an import takes all records or none.
func ReadJSONL(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4*MaxIDLen)
	var out []Record
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var jr jsonRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&jr); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if jr.ID == "" || jr.FirstSeen.IsZero() {
			return nil, fmt.Errorf("line %d: a record needs id and first_seen: %w", line, ErrInvalid)
		}
		if jr.Changed.IsZero() {
			jr.Changed = jr.FirstSeen
		}
		out = append(out, Record{ID: jr.ID, FirstSeen: jr.FirstSeen.UTC(), Hash: jr.Hash, Changed: jr.Changed.UTC()})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than a record can be: %w", len(out)+1, err)
		}
		return nil, err
	}
	return out, nil
}
