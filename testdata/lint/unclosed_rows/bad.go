package unclosed_rows

import (
	"context"
	"database/sql"
	"fmt"
)

type user struct {
	ID     int64
	Name   string
	Active bool
}

type store struct {
	db *sql.DB
}

// A Scan error returns in the middle of the loop; nothing closes the rows.
func (s *store) activeUsers(ctx context.Context) ([]user, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM users WHERE active`) // want GL502
	if err != nil {
		return nil, err
	}
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

// A query run for its side effect: the rows are dropped, so nothing closes them.
func purgeSessions(ctx context.Context, tx *sql.Tx, before int64) error {
	_, err := tx.QueryContext(ctx, `DELETE FROM sessions WHERE expires < $1 RETURNING id`, before) // want GL502
	if err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	return nil
}

// Only the first row is read.
func (s *store) newestID(ctx context.Context, conn *sql.Conn) (int64, error) {
	rows, err := conn.QueryContext(ctx, `SELECT id FROM users ORDER BY created DESC`) // want GL502
	if err != nil {
		return 0, err
	}
	var id int64
	if rows.Next() {
		err = rows.Scan(&id)
	}
	return id, err
}

// Closed after the loop, but the early return inside it skips the close.
func (s *store) findByName(name string) (*user, error) {
	rows, err := s.db.Query(`SELECT id, active FROM users WHERE name = $1`, name) // want GL502
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		u := user{Name: name}
		if err := rows.Scan(&u.ID, &u.Active); err != nil {
			return nil, err
		}
		if u.Active {
			return &u, nil
		}
	}
	err = rows.Err()
	rows.Close()
	return nil, err
}

func openStore(dsn string) (*sql.DB, error) {
	return sql.Open("postgres", dsn)
}

// The receiver's type is not written down, but the rows are used as database/sql rows.
func countTables(dsn string) (int, error) {
	db, err := openStore(dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables`) // want GL502
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
