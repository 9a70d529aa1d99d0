//! Generates the gRPC server code for the Terraform plugin protocol.
//!
//! No system `protoc` is needed: `protox` (pure Rust) parses `proto/*.proto` into a
//! descriptor set, and `tonic-prost-build` generates prost messages and tonic server
//! traits from it into `OUT_DIR/protos.rs`, which `src/server/proto.rs` includes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["proto/tfplugin6.proto", "proto/grpc_controller.proto"];
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(protos, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .build_transport(false)
        // `google.protobuf.Timestamp` is generated locally rather than taken from
        // `prost-types`, which would be one more dependency for a single message.
        .compile_well_known_types(true)
        .include_file("protos.rs")
        .compile_fds(fds)?;
    Ok(())
}
