module goroscope.test/leakyservice

go 1.21
