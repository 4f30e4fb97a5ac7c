package unclosed_rows

import (
	"context"
	"database/sql"
	"time"
)

// Deferred right after the error check.
func (s *store) activeUsersClosed(ctx context.Context) ([]user, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM users WHERE active`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []user
	for rows.Next() {
		u := user{Active: true}
		if err := rows.Scan(&u.ID, &u.Name); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// A loop with no way out before its end: Next closes the rows when it reports false.
func (s *store) names(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM users`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var name string
		_ = rows.Scan(&name)
		names = append(names, name)
	}
	return names, rows.Err()
}

// Closed before the early return too.
func (s *store) findByNameClosed(name string) (*user, error) {
	rows, err := s.db.Query(`SELECT id, active FROM users WHERE name = $1`, name)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		u := user{Name: name}
		if err := rows.Scan(&u.ID, &u.Active); err != nil {
			rows.Close()
			return nil, err
		}
		if u.Active {
			rows.Close()
			return &u, nil
		}
	}
	err = rows.Err()
	rows.Close()
	return nil, err
}

// Handed to a helper that scans and closes them.
func (s *store) all(ctx context.Context) ([]user, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, active FROM users`)
	if err != nil {
		return nil, err
	}
	return scanUsers(rows)
}

func scanUsers(rows *sql.Rows) ([]user, error) {
	defer rows.Close()
	var users []user
	for rows.Next() {
		var u user
		if err := rows.Scan(&u.ID, &u.Name, &u.Active); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// Returned: the caller closes them.
func (s *store) cursor(ctx context.Context) (*sql.Rows, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM users`)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Closed by a deferred closure that reports the error.
func (s *store) count(ctx context.Context) (n int, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT count(*) FROM users`)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}()
	if rows.Next() {
		err = rows.Scan(&n)
	}
	return n, err
}

// A search index whose Query is not database/sql: its type is declared and is not a DB.
type index struct {
	terms map[string][]int
}

type hits struct {
	ids []int
}

func (i *index) Query(term string) (*hits, error) {
	return &hits{ids: i.terms[term]}, nil
}

func search(i *index, term string) int {
	res, err := i.Query(term)
	if err != nil {
		return 0
	}
	return len(res.ids)
}

// The type is not visible and the result is not used as rows.
func lookupAll(q interface {
	Query(string) ([]string, error)
}) int {
	found, err := q.Query("all")
	if err != nil {
		return 0
	}
	return len(found)
}

// The deferred cancel closes the rows when the function returns.
func (s *store) firstName(ctx context.Context, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM users ORDER BY id LIMIT 1`)
	if err != nil {
		return "", err
	}
	var name string
	if rows.Next() {
		err = rows.Scan(&name)
	}
	return name, err
}

// Closed only when there are rows; none after an error.
func (s *store) touchAll(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `UPDATE users SET seen = now() RETURNING id`)
	if rows != nil {
		for rows.Next() {
		}
		rows.Close()
	}
	return err
}

// A three-clause loop on Next, run to its end.
func (s *store) numbered(ctx context.Context) (map[int]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for i := 0; rows.Next(); i++ {
		var name string
		_ = rows.Scan(&name)
		names[i] = name
	}
	return names, rows.Err()
}

// pgxRows and pgxConn have the shape of another driver's API, whose Query takes a context first: not
// database/sql, so not judged.
type pgxRows interface {
	Next() bool
	Scan(dest ...any) error
	Close()
}

type pgxConn interface {
	Query(ctx context.Context, sql string, args ...any) (pgxRows, error)
}

func dialPgx() pgxConn { return nil }

func firstID() (int, error) {
	conn := dialPgx()
	rows, err := conn.Query(context.Background(), "SELECT id FROM users LIMIT 1")
	if err != nil {
		return 0, err
	}
	id := 0
	if rows.Next() {
		err = rows.Scan(&id)
	}
	return id, err
}
