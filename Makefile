# Developer entry points. `make test` is the one test command (README, CI).
JAVA_HOME_FOR_BUILD := $(shell ./zerogate --java-home)

.PHONY: test build bench clean

test:
	JAVA_HOME=$(JAVA_HOME_FOR_BUILD) mvn -B -ntp verify

build:
	JAVA_HOME=$(JAVA_HOME_FOR_BUILD) mvn -B -ntp -DskipTests package

bench: build
	bench/run.sh

clean:
	mvn -B -q clean
