module example.com/lintfixtures/modern

// Go 1.23 and later collect timers and tickers nothing references, even unstopped: the timer rules are quieter.
go 1.24
