// A stand-in for google.golang.org/grpc with the few declarations the fixtures use, so that the fixture module
// builds without downloading gRPC (see the replace directive in ../../go.mod).
module google.golang.org/grpc

go 1.22
