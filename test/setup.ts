import '../local/polyfills';

// The pinned SDK runs on Node 20; its notice about future releases needing Node 22 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
