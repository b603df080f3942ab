import { buildServiceApp } from './stack';

buildServiceApp().app.synth();
