#pragma once
// Demo models for a new data folder, so that a newcomer sees something at once.

#include "synfire/registry/registry.h"

namespace synfire::server {

// Publishes a few small models (written by Synfire's own NIR writer, random weights)
// under the organization `demo`, owned by the user `demo-publisher`, who has no
// password and cannot log in.
void publish_demo_models(registry::Registry& registry, storage::MetadataStore& metadata, storage::BlobStore& blobs);

}  // namespace synfire::server
