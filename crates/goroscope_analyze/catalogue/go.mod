module goroscope.catalogue

go 1.25
