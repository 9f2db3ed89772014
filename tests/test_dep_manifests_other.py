"""Manifest parsers for npm, Go, Cargo, RubyGems, Maven and Gradle."""
from __future__ import annotations

from conftest import deadline

from guardrails.checks.dependency import manifests


def deps(path, text):
    parsed = manifests.parse(path, text)
    return {(d.name, d.group): d for d in parsed.deps}, parsed


PACKAGE_JSON = """\
{
  "name": "web",
  "version": "1.0.0",
  "scripts": {"build": "vite build"},
  "dependencies": {
    "react": "^18.2.0",
    "lodash-es": "npm:lodash@^4.17.21",
    "@acme/shared": "workspace:*",
    "local-utils": "file:../local-utils",
    "forked": "github:someone/forked#a1b2c3",
    "tarball": "https://example.com/tarball-1.0.0.tgz",
    "@Scope/Mixed": "1.2.3",
    "anything": "*"
  },
  "devDependencies": {
    "vitest": "~1.6.0"
  },
  "peerDependencies": {"react-dom": ">=18"},
  "optionalDependencies": {"fsevents": "^2.3.3"},
  "overrides": {"semver": "7.5.4", "foo": {"bar": "1.0.0"}},
  "resolutions": {"**/minimist": "1.2.8"},
  "pnpm": {"overrides": {"@babel/core@<7.24": "7.24.0"}},
  "bundledDependencies": ["react"]
}
"""


def test_package_json():
    found, parsed = deps("package.json", PACKAGE_JSON)
    assert found[("react", "runtime")].spec == "^18.2.0" and found[("react", "runtime")].line == 6
    alias = found[("lodash", "runtime")]
    assert alias.raw_name == "lodash-es" and alias.spec == "^4.17.21" and alias.source == "npm:lodash"
    assert found[("@acme/shared", "runtime")].source == "workspace:*"
    assert found[("local-utils", "runtime")].source == "file:../local-utils"
    assert found[("forked", "runtime")].source == "github:someone/forked#a1b2c3"
    assert found[("tarball", "runtime")].source == "https://example.com/tarball-1.0.0.tgz"
    assert found[("@scope/mixed", "runtime")].version == "1.2.3"
    assert found[("anything", "runtime")].spec == ""
    assert found[("vitest", "dev")].line == 16
    assert ("react-dom", "peer") in found and ("fsevents", "optional") in found
    assert found[("semver", "override")].spec == "7.5.4"
    assert ("bar", "override") in found and ("minimist", "override") in found
    assert ("@babel/core", "override") in found
    assert ("react", "bundled") in found
    assert parsed.problems == ()


def test_package_json_broken():
    assert manifests.parse("package.json", '{"dependencies": {"a": "1"').problems
    assert manifests.parse("package.json", "[1, 2]").deps == ()


GO_MOD = """\
module example.com/app

go 1.22

toolchain go1.22.3

require github.com/pkg/errors v0.9.1

require (
	github.com/spf13/cobra v1.8.0
	golang.org/x/sys v0.15.0 // indirect
	"github.com/quoted/mod" v1.0.0
)

replace github.com/old/mod => github.com/fork/mod v1.0.1

replace (
	example.com/local => ../local
)

exclude golang.org/x/net v0.1.0
retract v1.0.0 // published by mistake
"""


def test_go_mod():
    found, _ = deps("go.mod", GO_MOD)
    assert found[("github.com/pkg/errors", "runtime")].line == 7
    assert found[("github.com/spf13/cobra", "runtime")].version == "v1.8.0"
    assert found[("golang.org/x/sys", "transitive")].line == 11
    assert ("github.com/quoted/mod", "runtime") in found
    assert found[("github.com/old/mod", "override")].source == "github.com/fork/mod@v1.0.1"
    assert found[("example.com/local", "override")].source == "path:../local"
    assert not any(name == "golang.org/x/net" for name, _ in found)


CARGO_TOML = """\
[package]
name = "app"
version = "0.1.0"

[dependencies]
serde = { version = "1.0", features = ["derive"] }
tokio = "1"
json = { package = "serde_json", version = "1" }
local = { path = "../local" }
fork = { git = "https://github.com/me/fork", rev = "abc" }
opt = { version = "0.2", optional = true }
shared = { workspace = true }

[dev-dependencies]
criterion = "0.5"

[build-dependencies.cc]
version = "1.0"

[target.'cfg(windows)'.dependencies]
winapi = { version = "0.3", features = ["winuser"] }

[workspace.dependencies]
anyhow = "1"

[patch.crates-io]
regex = { git = "https://github.com/me/regex" }
"""


def test_cargo_toml():
    found, _ = deps("Cargo.toml", CARGO_TOML)
    assert found[("serde", "runtime")].extras == ("derive",) and found[("serde", "runtime")].line == 6
    renamed = found[("serde_json", "runtime")]
    assert renamed.raw_name == "json" and renamed.line == 8
    assert found[("local", "runtime")].source == "path:../local"
    assert found[("fork", "runtime")].source == "git+https://github.com/me/fork@abc"
    assert ("opt", "optional") in found
    assert found[("shared", "runtime")].source == "workspace:"
    assert ("criterion", "dev") in found
    assert found[("cc", "build")].line == 17
    assert found[("winapi", "runtime")].marker == "cfg(windows)" and found[("winapi", "runtime")].line == 21
    assert found[("anyhow", "runtime")].marker == "workspace"
    assert found[("regex", "override")].source == "git+https://github.com/me/regex"


GEMFILE = """\
source "https://rubygems.org"
git_source(:github) { |repo| "https://github.com/#{repo}.git" }

ruby "3.2.2"

gem "rails", "~> 7.1.0", ">= 7.1.2"
gem 'pg', '>= 0.18', '< 2.0' # database
gem "bootsnap", require: false
gem("puma", "~> 6.0")

if ENV["REDIS"]
  gem "redis"
end

group :development, :test do
  gem "debug", platforms: %i[ mri windows ]
  gem "rspec-rails"
end

gem "rubocop", group: :development, require: false
gem "web-console", :group => [:development]
gem "mygem", git: "https://github.com/me/mygem", branch: "main"

source "https://gems.example.com" do
  gem "private-gem"
end
# gem "commented-out"
"""


def test_gemfile():
    found, parsed = deps("Gemfile", GEMFILE)
    assert found[("rails", "runtime")].spec == "~>7.1.0,>=7.1.2" and found[("rails", "runtime")].line == 6
    assert found[("pg", "runtime")].spec == ">=0.18,<2.0"
    assert ("bootsnap", "runtime") in found and ("puma", "runtime") in found
    assert ("redis", "runtime") in found
    assert found[("debug", "dev")].subgroup == "development,test"
    assert ("rspec-rails", "dev") in found and ("rubocop", "dev") in found and ("web-console", "dev") in found
    assert found[("mygem", "runtime")].source == "git+https://github.com/me/mygem@main"
    assert found[("private-gem", "runtime")].source == "source:https://gems.example.com"
    assert not any(n == "commented-out" for n, _ in found)
    assert [(i.url, i.default) for i in parsed.indexes] == [("https://rubygems.org", True),
                                                           ("https://gems.example.com", False)]


POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>app</artifactId>
  <version>1.0.0</version>
  <properties>
    <jackson.version>2.15.0</jackson.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-dependencies</artifactId>
        <version>3.2.0</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.version}</version>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
      <version>4.13.2</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>javax.servlet</groupId>
      <artifactId>servlet-api</artifactId>
      <version>[2.5,3.0)</version>
      <scope>provided</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-shade-plugin</artifactId>
        <version>3.5.1</version>
      </plugin>
    </plugins>
  </build>
  <repositories>
    <repository>
      <id>corp</id>
      <url>https://maven.corp.example/releases</url>
    </repository>
  </repositories>
</project>
"""


def test_pom_xml():
    found, parsed = deps("pom.xml", POM)
    jackson = found[("com.fasterxml.jackson.core:jackson-databind", "runtime")]
    assert jackson.spec == "2.15.0" and jackson.line == 24
    assert ("junit:junit", "dev") in found
    assert found[("javax.servlet:servlet-api", "build")].spec == "[2.5,3.0)"
    assert ("org.springframework.boot:spring-boot-dependencies", "constraint") in found
    assert ("org.apache.maven.plugins:maven-shade-plugin", "build") in found
    assert [(i.url, i.name, i.line) for i in parsed.indexes] == [("https://maven.corp.example/releases", "corp", 51)]


def test_pom_with_entities_is_not_expanded():
    evil = """<?xml version="1.0"?>
<!DOCTYPE project [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<project><dependencies><dependency><groupId>&x;</groupId><artifactId>a</artifactId></dependency></dependencies></project>
"""
    parsed = manifests.parse("pom.xml", evil)
    assert parsed.deps == ()


GRADLE = """\
plugins {
    id("org.jetbrains.kotlin.jvm") version "1.9.22"
}

repositories {
    mavenCentral()
    maven { url = uri("https://jitpack.io") }
}

dependencies {
    implementation("com.squareup.okhttp3:okhttp:4.12.0")
    implementation(platform("org.jetbrains.kotlin:kotlin-bom:1.9.0"))
    api 'com.google.guava:guava:32.1.2-jre' // comment
    testImplementation("junit:junit:4.13.2")
    implementation(project(":core"))
    implementation(libs.retrofit)
    kapt "com.google.dagger:dagger-compiler:2.48"
    implementation group: 'org.slf4j', name: 'slf4j-api', version: '2.0.9'
    // implementation("evil:commented:1.0")
    /*
    implementation("evil:block-commented:1.0")
    */
}
"""


def test_gradle():
    found, parsed = deps("app/build.gradle.kts", GRADLE)
    assert found[("com.squareup.okhttp3:okhttp", "runtime")].line == 11
    assert ("org.jetbrains.kotlin:kotlin-bom", "runtime") in found
    assert found[("com.google.guava:guava", "runtime")].spec == "32.1.2-jre"
    assert ("junit:junit", "dev") in found
    assert ("com.google.dagger:dagger-compiler", "build") in found
    assert found[("org.slf4j:slf4j-api", "runtime")].spec == "2.0.9"
    assert not any(n.startswith("evil:") for n, _ in found)
    assert [(i.url, i.line) for i in parsed.indexes] == [("https://jitpack.io", 7)]


def test_gradle_version_catalog():
    text = """\
[versions]
ktor = "2.3.7"

[libraries]
ktor-client = { module = "io.ktor:ktor-client-core", version.ref = "ktor" }
okhttp = "com.squareup.okhttp3:okhttp:4.12.0"
junit = { group = "junit", name = "junit", version = "4.13.2" }

[plugins]
kotlin = { id = "org.jetbrains.kotlin.jvm", version = "1.9.22" }
"""
    found, _ = deps("gradle/libs.versions.toml", text)
    assert found[("io.ktor:ktor-client-core", "runtime")].spec == "2.3.7"
    assert found[("io.ktor:ktor-client-core", "runtime")].line == 5
    assert found[("com.squareup.okhttp3:okhttp", "runtime")].spec == "4.12.0"
    assert ("junit:junit", "runtime") in found
    assert found[("org.jetbrains.kotlin.jvm", "build")].spec == "1.9.22"


def test_gemspec():
    text = """\
Gem::Specification.new do |s|
  s.name = "jekyll"
  s.add_runtime_dependency("addressable", "~> 2.4")
  s.add_runtime_dependency "csv", "~> 3.0"
  s.add_dependency "colorator", "~> 1.0" # colours
  s.add_development_dependency "rake"
  # s.add_dependency "commented"
end
"""
    found, _ = deps("jekyll.gemspec", text)
    assert set(found) == {("addressable", "runtime"), ("csv", "runtime"), ("colorator", "runtime"), ("rake", "dev")}
    assert found[("csv", "runtime")].spec == "~>3.0" and found[("csv", "runtime")].line == 4


def test_composer_json():
    text = """\
{
    "require": {
        "php": "^8.2",
        "ext-json": "*",
        "laravel/framework": "^11.0",
        "Laravel/Pail": "^1.1"
    },
    "require-dev": {"phpunit/phpunit": "^11.0"},
    "repositories": [{"type": "vcs", "url": "https://github.com/me/fork"}]
}
"""
    found, parsed = deps("composer.json", text)
    assert set(found) == {("laravel/framework", "runtime"), ("laravel/pail", "runtime"), ("phpunit/phpunit", "dev")}
    assert found[("laravel/pail", "runtime")].line == 6
    assert [(i.url, i.line) for i in parsed.indexes] == [("https://github.com/me/fork", 9)]


def test_nuget_project_files():
    text = """\
<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    <PackageReference Include="xunit.runner.visualstudio" Version="2.5.0">
      <PrivateAssets>all</PrivateAssets>
    </PackageReference>
    <PackageReference Include="Serilog">
      <Version>3.1.1</Version>
    </PackageReference>
  </ItemGroup>
</Project>
"""
    found, _ = deps("src/App/App.csproj", text)
    assert found[("newtonsoft.json", "runtime")].spec == "13.0.3" and found[("newtonsoft.json", "runtime")].line == 3
    assert ("xunit.runner.visualstudio", "dev") in found
    assert found[("serilog", "runtime")].spec == "3.1.1"
    props = '<Project><ItemGroup><PackageVersion Include="Polly" Version="8.2.0" /></ItemGroup></Project>'
    found, _ = deps("Directory.Packages.props", props)
    assert ("polly", "constraint") in found
    config = '<?xml version="1.0"?>\n<packages>\n  <package id="jQuery" version="3.7.1" />\n</packages>\n'
    found, _ = deps("packages.config", config)
    assert found[("jquery", "runtime")].line == 3


def test_dockerfile_base_images():
    text = """\
ARG PY=3.12
FROM golang:1.22 AS build
RUN go build
FROM --platform=linux/amd64 gcr.io/distroless/static@sha256:abc AS final
FROM build
FROM python:${PY}
FROM scratch
FROM alpine:3.19
"""
    found, _ = deps("Dockerfile", text)
    assert set(found) == {("golang", "build"), ("gcr.io/distroless/static", "build"), ("alpine", "runtime")}
    assert found[("gcr.io/distroless/static", "build")].source == "digest:sha256:abc"
    assert found[("alpine", "runtime")].spec == "3.19" and found[("alpine", "runtime")].line == 8


def test_gemfile_tokens_are_linear_on_a_long_line():
    import random
    import re

    from guardrails.checks.dependency.manifests import gemfile

    old = re.compile(
        r"""\s*(?:
            (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|%[qQw]?[\[({<].*?[\])}>])
          | (?P<key>[A-Za-z_][A-Za-z0-9_]*):(?!:)
          | (?P<sym>:[A-Za-z_][A-Za-z0-9_?!]*)
          | (?P<arrow>=>)
          | (?P<open>\[) | (?P<close>\])
          | (?P<comma>,)
          | (?P<word>[A-Za-z_][A-Za-z0-9_.:]*[?!]?)
          | (?P<other>\S)
        )""", re.X)
    kinds = ("str", "key", "sym", "arrow", "open", "close", "comma", "word", "other")

    def old_tokens(body):
        return [next((k, m.group(k)) for k in kinds if m.group(k) is not None) for m in old.finditer(body)]

    with deadline():
        assert gemfile._tokens(" " * 200_000) == []
        assert gemfile._tokens("%q(" * 66_000)[:3] == [("other", "%"), ("word", "q"), ("other", "(")]
        assert gemfile._tokens('"' + '\\"' * 100_000)[:2] == [("other", '"'), ("other", "\\")]
        assert gemfile._tokens("'a', " * 40_000)[:2] == [("str", "'a'"), ("comma", ",")]
    assert gemfile._args("'rails', '~> 7.1', require: false") == (["rails", "~> 7.1"], {"require": "false"})
    rnd = random.Random(5)
    pieces = ['"', "'", "\\", "%", "q", "w", "(", "[", "<", ")", "]", ">", " ", "\n", "a", ":", "=>", ",", "?", "é"]
    for _ in range(20_000):
        body = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        assert old_tokens(body) == gemfile._tokens(body), body
