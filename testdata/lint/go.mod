module example.com/lintfixtures

// Before Go 1.23, so the rules about timers the runtime did not collect yet apply; modern/ has its own go.mod.
go 1.22
