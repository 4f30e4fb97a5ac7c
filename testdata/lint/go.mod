module example.com/lintfixtures

// Before Go 1.23, so the rules about timers the runtime did not collect yet apply; modern/ has its own go.mod.
go 1.22

// The client-per-call fixtures call gRPC; a local stand-in keeps the module buildable offline.
require google.golang.org/grpc v1.67.1

replace google.golang.org/grpc => ./client_per_call/grpcstub
